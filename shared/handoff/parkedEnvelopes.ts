import type { ContainerClient } from '@azure/storage-blob';
import { readEnvelope, type Envelope } from './queueEnvelope';
import type { StorageClients } from './storageClients';

/**
 * Parked envelopes: when the queue refuses writes (throttled, down) but blob storage takes them, the hand-off writes
 * the queue message it could not send as a blob `parked/<requestId>.json` in the relay's claim-check container and
 * answers 200; the sweeper (functions/sweepParked.ts, and after a later successful enqueue) moves each one into the
 * queue, then deletes the blob. A crash between the two leaves the blob, so the next sweep sends it again: at most a
 * duplicate message, which delivery recognises by request id (parked envelopes always keep a delivery checkpoint,
 * see `parked` in queueEnvelope.ts and deliveryCheckpoint.ts). A blob is deleted only after its message is queued,
 * and one that cannot be read as an envelope is left in place and counted, never dropped.
 */

export const PARKED_PREFIX = 'parked/';
/** The sweeper timer's schedule (NCRONTAB with seconds): every minute. */
export const SWEEP_PARKED_SCHEDULE = '0 */1 * * * *';
/** One envelope is one queue message's text: at most 64 KiB, so reading one whole is bounded. */
const MAX_PARKED_BYTES = 64 * 1024;
/** Sweep bounds: blobs listed per page and moved per run (a run is a timer tick or an opportunistic pass). */
export const SWEEP_DEFAULTS = { pageSize: 100, maxPerRun: 500 };
/** Counting for health stops here: beyond it "at least" is all an operator needs. */
const COUNT_LIMIT = 5_000;

export function parkedBlobName(requestId: string): string {
  return `${PARKED_PREFIX}${requestId}.json`;
}

/** The text a parked envelope is stored (and later queued) as: the envelope marked `parked`. */
export function parkedText(envelope: Envelope): string {
  return JSON.stringify({ ...envelope, parked: true });
}

/** Writes the envelope as a parked blob (durable once this resolves). Idempotent: same name, same text. */
export async function parkEnvelope(container: ContainerClient, envelope: Envelope): Promise<void> {
  const text = parkedText(envelope);
  await container.getBlockBlobClient(parkedBlobName(envelope.requestId)).upload(text, Buffer.byteLength(text), {
    blobHTTPHeaders: { blobContentType: 'application/json' },
    metadata: { requestid: envelope.requestId, logtype: envelope.logType },
  });
}

export interface SweepResult {
  /** Envelopes sent to the queue and their blobs deleted. */
  moved: number;
  /** Parked blobs left in place because they are not a readable envelope (named in the log). */
  unreadable: number;
  /** True when the run stopped at maxPerRun with more blobs possibly waiting. */
  more: boolean;
}

export interface SweepOptions {
  pageSize?: number;
  maxPerRun?: number;
  log?: (message: string) => void;
}

/**
 * Moves parked envelopes into the queue, page by page, at most `maxPerRun` per call. Throws the first storage error
 * (the blobs not yet moved stay parked for the next run).
 */
export async function sweepParkedEnvelopes(clients: Pick<StorageClients, 'queue' | 'container'>, options: SweepOptions = {}): Promise<SweepResult> {
  const { pageSize = SWEEP_DEFAULTS.pageSize, maxPerRun = SWEEP_DEFAULTS.maxPerRun, log = () => undefined } = options;
  const result: SweepResult = { moved: 0, unreadable: 0, more: false };
  let seen = 0;
  let queueReady = false;
  for await (const page of clients.container.listBlobsFlat({ prefix: PARKED_PREFIX }).byPage({ maxPageSize: pageSize })) {
    for (const item of page.segment.blobItems) {
      if (seen++ >= maxPerRun) return { ...result, more: true };
      const blob = clients.container.getBlobClient(item.name);
      if ((item.properties.contentLength ?? 0) > MAX_PARKED_BYTES) {
        result.unreadable++;
        log(`relay: parked blob ${item.name} is larger than a queue message; left in place`);
        continue;
      }
      const text = (await blob.downloadToBuffer()).toString('utf8');
      const read = readEnvelope(text);
      if (!('envelope' in read)) {
        result.unreadable++;
        log(`relay: parked blob ${item.name} is not a relay envelope; left in place`);
        continue;
      }
      if (!queueReady) {
        // Azurite and fresh accounts: the queue may never have been created while it was down (a 403 means provisioned).
        await clients.queue.createIfNotExists().catch((error: { statusCode?: number }) => {
          if (error.statusCode !== 403) throw error;
        });
        queueReady = true;
      }
      // messageTimeToLive -1 as in the hand-off: a delivery outage must not expire data.
      await clients.queue.sendMessage(text, { messageTimeToLive: -1 });
      await blob.deleteIfExists();
      result.moved++;
    }
  }
  return result;
}

/** How many envelopes are parked, counting at most COUNT_LIMIT (then `atLeast` is true). */
export async function countParkedEnvelopes(container: ContainerClient, abortSignal?: AbortSignal): Promise<{ count: number; atLeast: boolean }> {
  let count = 0;
  if (!(await container.exists(abortSignal ? { abortSignal } : {}))) return { count, atLeast: false };
  for await (const page of container.listBlobsFlat({ prefix: PARKED_PREFIX, ...(abortSignal ? { abortSignal } : {}) }).byPage({ maxPageSize: 1000 })) {
    count += page.segment.blobItems.length;
    if (count >= COUNT_LIMIT) return { count, atLeast: true };
  }
  return { count, atLeast: false };
}
