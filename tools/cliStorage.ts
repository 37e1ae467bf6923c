import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AzureCliCredential, ChainedTokenCredential, AzureDeveloperCliCredential, DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { poisonQueueName } from '../shared/handoff/poisonMessage';
import type { StorageClients } from '../shared/handoff/storageClients';
import { projectRoot } from './localSettings';

/**
 * Where the operator tools (`npm run status`, `npm run redrive`) find the relay's storage, the same way for both:
 * 1. `--storage <account name | https://<account>.queue.core.windows.net | connection string>`;
 * 2. environment: RELAY_STORAGE (connection string) or RELAY_STORAGE__queueServiceUri / __blobServiceUri (what
 *    `azd env get-values` prints after `azd up`);
 * 3. local.settings.json (the local relay on Azurite), without creating it.
 * Account URLs use Entra ID: the signed-in `az` or `azd` user (AzureCliCredential, AzureDeveloperCliCredential), else
 * DefaultAzureCredential. The user needs Storage Queue Data Contributor (and Blob Data Reader for status, Contributor
 * for --purge) on the account.
 */
export interface CliStorageOptions {
  storage?: string;
  queue?: string;
  container?: string;
}

export interface CliStorage {
  clients: StorageClients;
  /** Where it points, for messages (never a key). */
  describe: string;
}

/** An operator waits at the terminal: a few quick retries, then the error, not the SDK's minutes of backoff. */
const RETRY = { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2000, tryTimeoutInMs: 30_000 };

function localValues(): Record<string, string> {
  const file = path.join(projectRoot(), 'local.settings.json');
  if (!existsSync(file)) return {};
  return (JSON.parse(readFileSync(file, 'utf8')) as { Values?: Record<string, string> }).Values ?? {};
}

/** Connection strings never reach a message: only the account or endpoint they name. */
function describeConnectionString(cs: string): string {
  if (/UseDevelopmentStorage=true/i.test(cs)) return 'Azurite (UseDevelopmentStorage=true)';
  const endpoint = /QueueEndpoint=([^;]+)/i.exec(cs)?.[1];
  const account = /AccountName=([^;]+)/i.exec(cs)?.[1];
  return endpoint ?? `account ${account ?? '(unknown)'}`;
}

export function operatorCredential(): TokenCredential {
  return new ChainedTokenCredential(new AzureCliCredential(), new AzureDeveloperCliCredential(), new DefaultAzureCredential());
}

/** The parseArgs options every operator command takes to name the storage it reads (see cliStorage). */
export const STORAGE_OPTIONS = {
  storage: { type: 'string' },
  queue: { type: 'string' },
  container: { type: 'string' },
} as const;

export function cliStorage(options: CliStorageOptions, env: NodeJS.ProcessEnv = process.env): CliStorage {
  const local = options.storage || env.RELAY_STORAGE || env.RELAY_STORAGE__queueServiceUri ? {} : localValues();
  const queueName = options.queue ?? env.RELAY_QUEUE_NAME ?? local.RELAY_QUEUE_NAME ?? 'relay-ingest';
  const containerName = options.container ?? env.RELAY_BLOB_CONTAINER ?? local.RELAY_BLOB_CONTAINER ?? 'relay-payloads';
  const given = options.storage ?? env.RELAY_STORAGE ?? env.RELAY_STORAGE__queueServiceUri ?? local.RELAY_STORAGE;
  if (!given) {
    throw new Error('no storage given: pass --storage <account name or URL>, or set RELAY_STORAGE__queueServiceUri (azd env get-values prints it)');
  }
  let queues: QueueServiceClient;
  let blobs: BlobServiceClient;
  let describe: string;
  if (/AccountName=|UseDevelopmentStorage=|QueueEndpoint=/i.test(given)) {
    queues = QueueServiceClient.fromConnectionString(given, { retryOptions: RETRY });
    blobs = BlobServiceClient.fromConnectionString(given, { retryOptions: RETRY });
    describe = describeConnectionString(given);
  } else {
    const account = /^https:\/\/([a-z0-9]+)\./i.exec(given)?.[1] ?? (/^[a-z0-9]{3,24}$/.test(given) ? given : undefined);
    if (!account) throw new Error(`--storage: expected a storage account name, an https:// account URL or a connection string`);
    const suffix = /^https:\/\/[a-z0-9]+\.(?:queue|blob)\.(.+?)\/?$/i.exec(given)?.[1] ?? 'core.windows.net';
    const credential = operatorCredential();
    const queueUri = env.RELAY_STORAGE__queueServiceUri && !options.storage ? env.RELAY_STORAGE__queueServiceUri : `https://${account}.queue.${suffix}`;
    const blobUri = env.RELAY_STORAGE__blobServiceUri && !options.storage ? env.RELAY_STORAGE__blobServiceUri : `https://${account}.blob.${suffix}`;
    queues = new QueueServiceClient(queueUri, credential, { retryOptions: RETRY });
    blobs = new BlobServiceClient(blobUri, credential, { retryOptions: RETRY });
    describe = `${queueUri} (Entra ID: your az/azd sign-in)`;
  }
  return {
    describe,
    clients: {
      queue: queues.getQueueClient(queueName),
      poisonQueue: queues.getQueueClient(poisonQueueName(queueName)),
      container: blobs.getContainerClient(containerName),
      status: blobs.getContainerClient(`${containerName}-status`),
    },
  };
}

/** A storage error as one actionable line. */
export function storageHint(error: unknown): string {
  const e = error as { statusCode?: number; code?: string; message?: string; name?: string };
  const message = e.message ?? String(error);
  if (/ECONNREFUSED/.test(message)) return `${message}. Is the storage running (npm start starts Azurite), and RELAY_STORAGE / --storage right?`;
  if (e.statusCode === 403) return `${e.code ?? '403'}: your identity lacks a data role on the storage account (Storage Queue Data Contributor) or the account's network rules refuse this machine.`;
  if (e.name === 'CredentialUnavailableError' || e.name === 'AggregateAuthenticationError') return 'no Azure sign-in found: run `az login` or `azd auth login`.';
  return message;
}
