/**
 * `npm run verify -- --url <relay>`: after `azd up` (or against `npm start`), posts one signed probe and reports each
 * step with a verdict and the fix for each failure. Reads the workspace id and key from the environment
 * (RELAY_WORKSPACE_1_ID, RELAY_WORKSPACE_1_PRIMARY_KEY) or local.settings.json; never from the command line, so the
 * key stays out of shell history. Storage and the destination workspace come from `azd env get-values` outputs.
 */
import { parseArgs } from 'node:util';
import { DefaultAzureCredential } from '@azure/identity';
import { QueueServiceClient } from '@azure/storage-queue';
import { poisonQueueName } from '../shared/handoff/poisonMessage';
import { localSettingsValues } from './localSettings';
import { LOGS_QUERY_HOSTS, type Cloud } from './verify/logsQuery';
import { runVerify } from './verify/runVerify';

const USAGE = 'usage: npm run verify -- --url <https://relay-host> [--wait-minutes 10] [--no-query]';

function queueService(env: Record<string, string | undefined>): QueueServiceClient | undefined {
  if (env.RELAY_STORAGE) return QueueServiceClient.fromConnectionString(env.RELAY_STORAGE);
  if (env.RELAY_STORAGE__queueServiceUri) return new QueueServiceClient(env.RELAY_STORAGE__queueServiceUri, new DefaultAzureCredential());
  return undefined;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { url: { type: 'string' }, 'wait-minutes': { type: 'string', default: '10' }, 'no-query': { type: 'boolean', default: false } },
  });
  if (!values.url) throw new Error(USAGE);
  const url = new URL(values.url);
  const local = url.protocol === 'http:' ? localSettingsValues() : {};
  const env: Record<string, string | undefined> = { ...local, ...process.env };
  const workspaceId = env.RELAY_WORKSPACE_1_ID;
  const key = env.RELAY_WORKSPACE_1_PRIMARY_KEY;
  if (!workspaceId || !key || key.startsWith('@Microsoft.KeyVault(')) {
    throw new Error('Set RELAY_WORKSPACE_1_ID and RELAY_WORKSPACE_1_PRIMARY_KEY (the legacy workspace id and key the senders use) in the environment.');
  }
  const queues = queueService(env);
  const queueName = env.RELAY_QUEUE_NAME ?? 'relay-ingest';
  const cloud = (env.RELAY_CLOUD && env.RELAY_CLOUD in LOGS_QUERY_HOSTS ? env.RELAY_CLOUD : 'public') as Cloud;
  const { ok } = await runVerify({
    url,
    workspaceId,
    key,
    queue: queues?.getQueueClient(queueName),
    poisonQueue: queues?.getQueueClient(poisonQueueName(queueName)),
    logs: {
      workspaceId: values['no-query'] ? undefined : env.LOG_ANALYTICS_WORKSPACE_ID,
      cloud,
      credential: values['no-query'] ? undefined : new DefaultAzureCredential(),
      waitMs: Number(values['wait-minutes']) * 60_000,
      pollMs: 30_000,
    },
    print: (line) => console.log(line),
  });
  process.exitCode = ok ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(`verify: ${(error as Error).message}`);
  process.exitCode = 2;
});
