import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { ContainerClient, BlobServiceClient, type StoragePipelineOptions } from '@azure/storage-blob';
import { QueueClient, QueueServiceClient, type StoragePipelineOptions as QueuePipelineOptions } from '@azure/storage-queue';
import { poisonQueueName } from './poisonMessage';
import type { StorageSettings } from '../settings/settings';

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
  return clientId ? new ManagedIdentityCredential({ clientId }) : new DefaultAzureCredential();
}

export function createStorageClients(storage: StorageSettings, queueName: string, containerName: string): StorageClients {
  const blobOptions: StoragePipelineOptions = { retryOptions: RETRY };
  const queueOptions: QueuePipelineOptions = { retryOptions: RETRY };
  const credential = 'connectionString' in storage ? undefined : identity(storage.clientId);
  const queues =
    'connectionString' in storage
      ? QueueServiceClient.fromConnectionString(storage.connectionString, queueOptions)
      : new QueueServiceClient(storage.queueServiceUri, credential, queueOptions);
  const blobs =
    'connectionString' in storage
      ? BlobServiceClient.fromConnectionString(storage.connectionString, blobOptions)
      : new BlobServiceClient(storage.blobServiceUri, credential, blobOptions);
  return {
    queue: queues.getQueueClient(queueName),
    poisonQueue: queues.getQueueClient(poisonQueueName(queueName)),
    container: blobs.getContainerClient(containerName),
    status: blobs.getContainerClient(`${containerName}-status`),
  };
}
