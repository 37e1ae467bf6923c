import { randomUUID } from 'node:crypto';
import { sharedKeyAuthorization } from '../../shared/ingest/sharedKey';
import type { StepResult } from './report';

/** The probe event: one record, Log-Type RelayVerify, carrying an id the later steps look for. */
export const PROBE_LOG_TYPE = 'RelayVerify';

export interface Probe {
  probeId: string;
  body: Buffer;
}

export function makeProbe(now = new Date()): Probe {
  const probeId = randomUUID();
  const body = Buffer.from(JSON.stringify([{ probe_id: probeId, message: 'legacy-log-relay verify probe', sent_at: now.toISOString() }]));
  return { probeId, body };
}

/** What each refusal means for an admin who just ran `azd up`. */
function fixFor(status: number, text: string): string {
  if (status === 403 && /InvalidAuthorization/.test(text)) {
    return 'The relay does not accept this workspace id/key: use the workspace id and key given to `azd up` (RELAY_WORKSPACE_1_ID and the key in Key Vault).';
  }
  if (status === 403) return 'Refused before the relay ran: the sender IP allow-list (RELAY_ALLOWED_SENDER_IP_RANGES) does not include this machine; add its address or run verify from an allowed host.';
  if (status === 503 && /Key Vault/.test(text)) {
    return "The app's identity cannot read the workspace keys yet: wait for the Key Vault Secrets User role to apply (minutes), or check the app's Key Vault reference status in the portal (Configuration > Key Vault references).";
  }
  if (status === 503) return 'Storage was unavailable: retry; if it persists check the identity\'s Storage Queue Data Contributor role on the relay\'s account.';
  if (status === 404) return 'The function is not there: run `azd deploy` (the package may not be deployed yet) and check the app\'s Functions list.';
  if (status >= 500) return 'Check the app\'s logs in Application Insights (traces and exceptions for the request id above).';
  return 'See docs/deploy.md, Troubleshooting.';
}

/** Signs the probe with the workspace key and posts it as a legacy sender would; passes on 200 only. */
export async function postProbe(base: URL, workspaceId: string, key: string, probe: Probe): Promise<StepResult & { requestId?: string }> {
  const url = new URL('/api/logs?api-version=2016-04-01', base);
  const date = new Date().toUTCString();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: sharedKeyAuthorization(workspaceId, key, probe.body.length, date),
        'Log-Type': PROBE_LOG_TYPE,
        'x-ms-date': date,
      },
      body: probe.body,
    });
    const text = await response.text();
    const requestId = response.headers.get('x-ms-request-id') ?? undefined;
    if (response.status === 200) return { step: 'POST /api/logs', status: 'pass', detail: `200, request id ${requestId ?? '-'}, probe ${probe.probeId}`, requestId };
    return { step: 'POST /api/logs', status: 'fail', detail: `${response.status} ${text.slice(0, 300)}`, fix: fixFor(response.status, text), requestId };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return {
      step: 'POST /api/logs',
      status: 'fail',
      detail: `no answer (${cause?.code ?? cause?.message ?? String(error)})`,
      fix: 'The relay is not reachable: check the URL, that the app is running (`azd show`), and for a local relay that `npm start` is up.',
    };
  }
}
