import type { TokenCredential } from '@azure/identity';
import type { QueueClient } from '@azure/storage-queue';
import { checkRowVisible, type Cloud } from './logsQuery';
import { checkDns, checkTls } from './network';
import { makeProbe, postProbe } from './probe';
import { checkQueued } from './queued';
import { type StepResult, formatStep, verdict } from './report';

export interface VerifyOptions {
  url: URL;
  workspaceId: string;
  key: string;
  queue?: QueueClient;
  poisonQueue?: QueueClient;
  logs: { workspaceId?: string; cloud: Cloud; credential?: TokenCredential; waitMs: number; pollMs: number };
  print: (line: string) => void;
}

/**
 * The end-to-end check an admin runs after `azd up`: DNS, TLS, a signed probe answered 200, the message in the
 * queue, the row in the workspace. Each step prints as it finishes; stops after a failure that makes later steps
 * meaningless (no DNS, no 200). Returns the step results and whether the relay works.
 */
export async function runVerify(o: VerifyOptions): Promise<{ ok: boolean; results: StepResult[] }> {
  const results: StepResult[] = [];
  const record = (r: StepResult) => {
    results.push(r);
    o.print(formatStep(r));
    return r;
  };
  const finish = () => {
    const v = verdict(results);
    o.print(v.line);
    return { ok: v.ok, results };
  };
  if (record(await checkDns(o.url)).status === 'fail') return finish();
  if (record(await checkTls(o.url)).status === 'fail') return finish();
  const probe = makeProbe();
  const posted = record(await postProbe(o.url, o.workspaceId, o.key, probe));
  if (posted.status === 'fail') return finish();
  record(await checkQueued(o.queue, o.poisonQueue, (posted as { requestId?: string }).requestId));
  record(await checkRowVisible(probe.probeId, o.logs));
  return finish();
}
