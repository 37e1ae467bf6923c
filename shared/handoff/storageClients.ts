import type { TokenCredential } from '@azure/identity';
import type { ContainerClient, StoragePipelineOptions } from '@azure/storage-blob';
import type { QueueClient, StoragePipelineOptions as QueuePipelineOptions } from '@azure/storage-queue';
import { poisonQueueName } from './poisonMessage';
import { lazyModule, lazyProperties } from '../settings/lazyModule';
import type { StorageSettings } from '../settings/settings';

// Loaded on the first storage call, not at import: cold start (lazyModule.ts).
const identitySdk = lazyModule(() => require('@azure/identity') as typeof import('@azure/identity'));
const blobSdk = lazyModule(() => require('@azure/storage-blob') as typeof import('@azure/storage-blob'));
const queueSdk = lazyModule(() => require('@azure/storage-queue') as typeof import('@azure/storage-queue'));

/**
 * A sender waits for the answer: each storage call is retried briefly by the SDK and bounded in time, and the
 * hand-off (handoff.ts) retries whole attempts with jitter until its deadline, rather than hold the connection
 * through the SDK's default minute-long backoff.
 */
const RETRY = { maxTries: 2, retryDelayInMs: 100, maxRetryDelayInMs: 1000, tryTimeoutInMs: 8_000 };

export interface StorageClients {
  queue: QueueClient;
  /** `<queue>-poison`: where messages that cannot be delivered wait, with their reason, for a redrive. */
  poisonQueue: QueueClient;
  container: ContainerClient;
  /** `<container>-status`: each worker's counters for /api/health and `npm run status` (shared/operations/instanceStatus.ts). */
  status: ContainerClient;
}

function identity(clientId: string | undefined): TokenCredential {
  const { DefaultAzureCredential, ManagedIdentityCredential } = identitySdk();
  return clientId ? new ManagedIdentityCredential({ clientId }) : new DefaultAzureCredential();
}

/** The four clients, each constructed (and its SDK loaded) on first read; one credential shared by both services. */
export function createStorageClients(storage: StorageSettings, queueName: string, containerName: string): StorageClients {
  const blobOptions: StoragePipelineOptions = { retryOptions: RETRY };
  const queueOptions: QueuePipelineOptions = { retryOptions: RETRY };
  const credential = lazyModule(() => ('connectionString' in storage ? undefined : identity(storage.clientId)));
  const queues = lazyModule(() => {
    const { QueueServiceClient } = queueSdk();
    return 'connectionString' in storage
      ? QueueServiceClient.fromConnectionString(storage.connectionString, queueOptions)
      : new QueueServiceClient(storage.queueServiceUri, credential(), queueOptions);
  });
  const blobs = lazyModule(() => {
    const { BlobServiceClient } = blobSdk();
    return 'connectionString' in storage
      ? BlobServiceClient.fromConnectionString(storage.connectionString, blobOptions)
      : new BlobServiceClient(storage.blobServiceUri, credential(), blobOptions);
  });
  return lazyProperties<StorageClients>({
    queue: () => queues().getQueueClient(queueName),
    poisonQueue: () => queues().getQueueClient(poisonQueueName(queueName)),
    container: () => blobs().getContainerClient(containerName),
    status: () => blobs().getContainerClient(`${containerName}-status`),
  });
}
