import { LegacyError } from '../ingest/legacyError';
import { compressPayload } from './payloadCodec';
import type { BodyFormat, Envelope, EnvelopeMeta } from './queueEnvelope';
import type { StorageClients } from './storageClients';

/** A queue message holds at most 64 KiB of text. */
export const MAX_QUEUE_MESSAGE_BYTES = 64 * 1024;
/** Above this a body cannot compress into one message (JSON rarely beats 50:1); go straight to a blob. */
const INLINE_ATTEMPT_MAX_BODY = 4 * 1024 * 1024;
/** Senders retry a 503; ask them to wait a little so a storage hiccup is not hammered. */
const RETRY_AFTER_SECONDS = 10;
/**
 * How long a request may wait for storage before the relay gives up and answers 503. Real senders drop data on a
 * 503 (Fluent Bit's Retry_Limit defaults to 1, fluentd gives up after 3 tries, Keeper Commander stops), so a
 * 10-20 s storage blip is ridden out inside the request: well under the usual client timeouts (60 s and more).
 */
export const HANDOFF_DEADLINE_MS = 25_000;
/** Backoff between attempts: full jitter over an exponential ceiling, so waiting requests do not retry in step. */
const BACKOFF = { firstMs: 250, maxMs: 4_000 };

/** Durably takes an accepted request: exactly one queue message per request, or an error and nothing queued. */
export interface Handoff {
  enqueue(meta: EnvelopeMeta, body: Buffer, format: BodyFormat): Promise<Envelope>;
}

export function storageUnavailable(): LegacyError {
  return new LegacyError(
    'ServiceUnavailable',
    'The relay could not store the request durably (storage unavailable); nothing was accepted, retry later.',
    RETRY_AFTER_SECONDS,
  );
}

/** A short, secret-free description of a storage failure for the relay's own log. */
export function describeStorageError(error: unknown): string {
  const e = error as { name?: string; code?: string; statusCode?: number };
  return [e.name, e.code, e.statusCode].filter((v) => v !== undefined && v !== '').join(' ') || 'unknown error';
}

function blobName(meta: EnvelopeMeta): string {
  const day = meta.receivedAt.slice(0, 10).replace(/-/g, '/');
  return `${day}/${meta.requestId}.json.br`;
}

function isTooLarge(error: unknown): boolean {
  const e = error as { statusCode?: number; code?: string };
  return e.statusCode === 413 || e.code === 'RequestBodyTooLarge';
}

function isForbidden(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 403;
}

export interface HandoffOptions {
  /** See HANDOFF_DEADLINE_MS; 0 tries once. */
  deadlineMs?: number;
  /** Test seam for the backoff's randomness (0 ≤ r < 1). */
  random?: () => number;
}

/** Runs `attempt` until it succeeds or the deadline would pass before the next try; the last error is thrown. */
export async function withinDeadline<T>(attempt: () => Promise<T>, deadlineMs: number, random = Math.random): Promise<{ value: T; tries: number }> {
  const giveUpAt = Date.now() + deadlineMs;
  for (let tries = 1; ; tries++) {
    try {
      return { value: await attempt(), tries };
    } catch (error) {
      const waitMs = random() * Math.min(BACKOFF.maxMs, BACKOFF.firstMs * 2 ** (tries - 1));
      if (Date.now() + waitMs >= giveUpAt) throw error;
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }
}

export function createStorageHandoff(
  clients: StorageClients,
  log: (message: string) => void = () => undefined,
  { deadlineMs = HANDOFF_DEADLINE_MS, random = Math.random }: HandoffOptions = {},
): Handoff {
  let ready: Promise<void> | undefined;

  // Create the queue and container on first use (Azurite, fresh accounts); Bicep creates them in Azure, where the
  // identity may lack the right to create and a 403 here only means "already provisioned".
  function ensureReady(): Promise<void> {
    ready ??= Promise.all([clients.queue.createIfNotExists(), clients.container.createIfNotExists()]).then(
      () => undefined,
      (error: unknown) => {
        if (isForbidden(error)) return;
        ready = undefined;
        throw error;
      },
    );
    return ready;
  }

  async function send(text: string): Promise<void> {
    // messageTimeToLive -1: never expire; a delivery outage must not silently drop data.
    await clients.queue.sendMessage(text, { messageTimeToLive: -1 });
  }

  async function sendViaBlob(meta: EnvelopeMeta, compressed: Buffer, format: BodyFormat): Promise<Envelope> {
    const name = blobName(meta);
    const blob = clients.container.getBlockBlobClient(name);
    await blob.uploadData(compressed, {
      blobHTTPHeaders: { blobContentType: 'application/json', blobContentEncoding: 'br' },
      metadata: { logtype: meta.logType, workspaceid: meta.workspaceId, recordcount: String(meta.recordCount) },
    });
    const envelope: Envelope = {
      v: 1,
      ...meta,
      payload: { kind: 'blob', encoding: 'br', format, container: clients.container.containerName, blobName: name, bytes: compressed.length },
    };
    try {
      await send(JSON.stringify(envelope));
    } catch (error) {
      // The request is refused, so its blob must not linger as an orphan.
      await blob.deleteIfExists().catch(() => undefined);
      throw error;
    }
    return envelope;
  }

  /** One attempt: inline when the compressed body fits a message, else a claim-check blob and a pointer message. */
  async function store(meta: EnvelopeMeta, body: Buffer, compressed: Buffer, format: BodyFormat): Promise<Envelope> {
    await ensureReady();
    if (body.length <= INLINE_ATTEMPT_MAX_BODY) {
      const envelope: Envelope = { v: 1, ...meta, payload: { kind: 'inline', encoding: 'br-base64', format, data: compressed.toString('base64') } };
      const text = JSON.stringify(envelope);
      if (Buffer.byteLength(text) <= MAX_QUEUE_MESSAGE_BYTES) {
        try {
          await send(text);
          return envelope;
        } catch (error) {
          if (!isTooLarge(error)) throw error;
        }
      }
    }
    return sendViaBlob(meta, compressed, format);
  }

  return {
    async enqueue(meta, body, format) {
      const compressed = await compressPayload(body);
      try {
        const { value, tries } = await withinDeadline(() => store(meta, body, compressed, format), deadlineMs, random);
        if (tries > 1) log(`relay: request ${meta.requestId} stored after ${tries} tries (storage was unavailable)`);
        return value;
      } catch (error) {
        log(`relay: storage hand-off failed for request ${meta.requestId}: ${describeStorageError(error)}`);
        throw storageUnavailable();
      }
    },
  };
}
