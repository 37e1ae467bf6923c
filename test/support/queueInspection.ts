import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { parseEnvelope, type Envelope } from '../../shared/handoff/queueEnvelope';
import { bodyToValues } from '../../shared/ingest/jsonBody';
import { decompressPayload } from '../../shared/handoff/payloadCodec';

/** Reads (without consuming) what the relay left in its queue, decoded and validated against the envelope schema. */
export async function queuedEnvelopes(connectionString: string, queueName: string): Promise<Envelope[]> {
  const queue = QueueServiceClient.fromConnectionString(connectionString).getQueueClient(queueName);
  if (!(await queue.exists())) return [];
  const envelopes: Envelope[] = [];
  // peekMessages returns at most 32; tests keep their queues far smaller.
  const peeked = await queue.peekMessages({ numberOfMessages: 32 });
  for (const m of peeked.peekedMessageItems) envelopes.push(parseEnvelope(m.messageText));
  return envelopes;
}

export async function queueLength(connectionString: string, queueName: string): Promise<number> {
  const queue = QueueServiceClient.fromConnectionString(connectionString).getQueueClient(queueName);
  if (!(await queue.exists())) return 0;
  return (await queue.getProperties()).approximateMessagesCount ?? 0;
}

export async function clearQueue(connectionString: string, queueName: string): Promise<void> {
  const queue = QueueServiceClient.fromConnectionString(connectionString).getQueueClient(queueName);
  if (await queue.exists()) await queue.clearMessages();
}

/** The body an envelope carries, inline or behind its blob pointer. */
export async function envelopeBody(connectionString: string, envelope: Envelope): Promise<Buffer> {
  if (envelope.payload.kind === 'inline') return decompressPayload(Buffer.from(envelope.payload.data, 'base64'));
  const blob = BlobServiceClient.fromConnectionString(connectionString)
    .getContainerClient(envelope.payload.container)
    .getBlobClient(envelope.payload.blobName);
  return decompressPayload(await blob.downloadToBuffer());
}

export async function envelopeRecords(connectionString: string, envelope: Envelope): Promise<unknown[]> {
  return bodyToValues(await envelopeBody(connectionString, envelope), envelope.payload.format);
}

/** Claim-check (payload) blobs; delivery's checkpoint markers under `checkpoints/` are not payloads. */
export async function blobCount(connectionString: string, containerName: string): Promise<number> {
  const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(containerName);
  if (!(await container.exists())) return 0;
  let n = 0;
  for await (const blob of container.listBlobsFlat()) if (!blob.name.startsWith('checkpoints/')) n++;
  return n;
}
