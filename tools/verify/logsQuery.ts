import type { TokenCredential } from '@azure/identity';
import type { StepResult } from './report';
import { PROBE_LOG_TYPE } from './probe';

/** Logs Query API host per cloud (learn.microsoft.com: Azure Monitor Logs API, sovereign clouds). */
export const LOGS_QUERY_HOSTS = {
  public: 'https://api.loganalytics.io',
  usgovernment: 'https://api.loganalytics.us',
  china: 'https://api.loganalytics.azure.cn',
} as const;
export type Cloud = keyof typeof LOGS_QUERY_HOSTS;

/** The KQL that finds the probe's row in the catch-all table (Log-Type RelayVerify has no declared table). */
export function probeQuery(probeId: string): string {
  return `RelayedLogs_CL | where TimeGenerated > ago(1d) and LogType == "${PROBE_LOG_TYPE}" and tostring(Record.probe_id) == "${probeId}"`;
}

export interface LogsQueryOptions {
  /** Destination workspace id (GUID; azd output LOG_ANALYTICS_WORKSPACE_ID), not the legacy one. */
  workspaceId?: string;
  cloud: Cloud;
  credential?: TokenCredential;
  /** Polls until the row shows or this many ms pass (ingestion takes minutes). */
  waitMs: number;
  pollMs: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Polls the Logs Query API for the probe row; skips with the KQL to run when it cannot query. */
export async function checkRowVisible(probeId: string, o: LogsQueryOptions): Promise<StepResult> {
  const kql = probeQuery(probeId);
  if (!o.workspaceId || !o.credential) {
    return { step: 'Row visible', status: 'skip', detail: 'no destination workspace or credentials to query with', fix: `In Log Analytics (after a few minutes) run: ${kql}` };
  }
  const host = LOGS_QUERY_HOSTS[o.cloud];
  const sleep = o.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const deadline = Date.now() + o.waitMs;
  try {
    for (;;) {
      const token = await o.credential.getToken(`${host}/.default`);
      const response = await fetch(`${host}/v1/workspaces/${o.workspaceId}/query`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token?.token ?? ''}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ query: `${kql} | count` }),
      });
      if (response.status === 403 || response.status === 401) {
        return { step: 'Row visible', status: 'skip', detail: `the Logs Query API refused this login (${response.status})`, fix: `Grant yourself Log Analytics Reader on the workspace, or run: ${kql}` };
      }
      const result = (await response.json()) as { tables?: Array<{ rows: unknown[][] }> };
      const count = Number(result.tables?.[0]?.rows?.[0]?.[0] ?? 0);
      if (count > 0) return { step: 'Row visible', status: 'pass', detail: `probe ${probeId} found in RelayedLogs_CL` };
      if (Date.now() >= deadline) {
        return { step: 'Row visible', status: 'fail', detail: `no row after ${Math.round(o.waitMs / 60_000)} min`, fix: `Check the poison queue (npm run redrive -- --list) and the DCR's metrics; run later: ${kql}` };
      }
      await sleep(o.pollMs);
    }
  } catch (error) {
    return { step: 'Row visible', status: 'skip', detail: `could not query (${(error as Error).message.split('\n')[0]})`, fix: `Run in Log Analytics: ${kql}` };
  }
}
