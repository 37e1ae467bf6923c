import { LegacyError } from '../ingest/legacyError';
import { compressPayload } from './payloadCodec';
import type { BodyFormat, Envelope, EnvelopeMeta } from './queueEnvelope';
import { parkEnvelope, parkedText } from './parkedEnvelopes';
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
  /**
   * How much of the deadline the queue gets before a request whose queue write keeps failing (throttled, down) is
   * parked as a blob instead (parkedEnvelopes.ts); default 60% of the deadline, leaving the rest for the blob write.
   */
  queueBudgetMs?: number;
  /** Test seam for the backoff's randomness (0 ≤ r < 1). */
  random?: () => number;
  /** Called after a successful enqueue once this hand-off has parked a request (the opportunistic sweep). */
  sweep?: () => Promise<unknown>;
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

/**
 * A queue write that failed because the queue is throttled or unreachable (429, 500 ServerBusy/InternalError, 503,
 * a timeout or a connection error: no HTTP status), as opposed to one it refused for a reason parking would not fix.
 */
export function isQueueUnavailable(error: unknown): boolean {
  const e = error as { statusCode?: number; name?: string };
  if (e.statusCode === undefined) return true;
  return e.statusCode === 429 || e.statusCode === 500 || e.statusCode === 503;
}

/** An envelope and its message text, serialised once. */
interface QueueMessage {
  envelope: Envelope;
  text: string;
}

function queueMessage(envelope: Envelope): QueueMessage {
  if (envelope.payload.kind !== 'inline') return { envelope, text: JSON.stringify(envelope) };
  // JSON.stringify scans all ~20-30 KB of base64 for characters to escape (~50 µs a post); base64 has none, so the
  // text is the rest of the envelope with the data spliced in as it is.
  const { payload: inline, ...fields } = envelope;
  const { data, ...payload } = inline;
  const head = JSON.stringify({ ...fields, payload }); // ends with the payload's and the envelope's closing braces
  return { envelope, text: `${head.slice(0, -2)},"data":"${data}"}}` };
}

/** Whether a message's text is within the queue's limit (UTF-8 bytes; never fewer than its UTF-16 length). */
function fitsQueueMessage(text: string): boolean {
  return text.length <= MAX_QUEUE_MESSAGE_BYTES && (text.length * 3 <= MAX_QUEUE_MESSAGE_BYTES || Buffer.byteLength(text) <= MAX_QUEUE_MESSAGE_BYTES);
}

/**
 * The request's inline message (the compressed body, base64), or undefined when it does not fit one queue message
 * and needs a claim-check blob. The body's text itself would often fit (a 250-event Commander post is 55 KB) but
 * costs more: the storage SDK writes the message into XML escaping every quote as `&quot;` (tools/bench/codecCost.ts).
 */
async function inlineMessage(meta: EnvelopeMeta, body: Buffer, format: BodyFormat, compress: () => Promise<Buffer>): Promise<QueueMessage | undefined> {
  if (body.length > INLINE_ATTEMPT_MAX_BODY) return undefined;
  const message = queueMessage({ v: 1, ...meta, payload: { kind: 'inline', encoding: 'br-base64', format, data: (await compress()).toString('base64') } });
  return fitsQueueMessage(message.text) ? message : undefined;
}

/** Marks an error thrown by the queue write (not by preparing the envelope or writing a claim-check blob). */
class QueueWriteFailed extends Error {
  constructor(readonly envelope: Envelope, override readonly cause: unknown) {
    super('queue write failed');
  }
}

export function createStorageHandoff(
  clients: StorageClients,
  log: (message: string) => void = () => undefined,
  { deadlineMs = HANDOFF_DEADLINE_MS, queueBudgetMs = Math.round(deadlineMs * 0.6), random = Math.random, sweep }: HandoffOptions = {},
): Handoff {
  let queueReady: Promise<void> | undefined;
  let containerReady: Promise<void> | undefined;
  /** True once this hand-off parked a request and no sweep has run since: the next successful enqueue sweeps. */
  let parkedSinceSweep = false;
  let sweeping: Promise<unknown> | undefined;

  // Create the queue and container on first use (Azurite, fresh accounts); Bicep creates them in Azure, where the
  // identity may lack the right to create and a 403 here only means "already provisioned". Separately, so a queue
  // that is down does not keep the container (and parking) from being ready.
  function once(create: () => Promise<unknown>, get: () => Promise<void> | undefined, set: (p: Promise<void> | undefined) => void): Promise<void> {
    const existing = get();
    if (existing) return existing;
    const created = create().then(
      () => undefined,
      (error: unknown) => {
        if (isForbidden(error)) return;
        set(undefined);
        throw error;
      },
    );
    set(created);
    return created;
  }
  const ensureQueue = () => once(() => clients.queue.createIfNotExists(), () => queueReady, (p) => (queueReady = p));
  const ensureContainer = () => once(() => clients.container.createIfNotExists(), () => containerReady, (p) => (containerReady = p));

  async function send({ envelope, text }: QueueMessage): Promise<void> {
    try {
      await ensureQueue();
      // messageTimeToLive -1: never expire; a delivery outage must not silently drop data.
      await clients.queue.sendMessage(text, { messageTimeToLive: -1 });
    } catch (error) {
      throw new QueueWriteFailed(envelope, error);
    }
  }

  async function uploadClaimCheck(meta: EnvelopeMeta, compressed: Buffer, format: BodyFormat): Promise<Envelope> {
    await ensureContainer();
    const name = blobName(meta);
    await clients.container.getBlockBlobClient(name).uploadData(compressed, {
      blobHTTPHeaders: { blobContentType: 'application/json', blobContentEncoding: 'br' },
      metadata: { logtype: meta.logType, workspaceid: meta.workspaceId, recordcount: String(meta.recordCount) },
    });
    return { v: 1, ...meta, payload: { kind: 'blob', encoding: 'br', format, container: clients.container.containerName, blobName: name, bytes: compressed.length } };
  }

  /**
   * One attempt: inline when the compressed body fits a message, else a claim-check blob (uploaded once, reused by
   * later attempts) and a pointer message. The body is compressed at most once, and each message's text is built
   * once: the text sent is the text measured.
   */
  async function attempts(meta: EnvelopeMeta, body: Buffer, format: BodyFormat) {
    let compressed: Buffer | undefined;
    const compress = async () => (compressed ??= await compressPayload(body));
    let claimCheck: QueueMessage | undefined;
    let inline = await inlineMessage(meta, body, format, compress);
    /** The message this request travels in (uploading its claim-check blob first when it needs one). */
    async function message(): Promise<QueueMessage> {
      if (inline) return inline;
      claimCheck ??= queueMessage(await uploadClaimCheck(meta, await compress(), format));
      return claimCheck;
    }
    return {
      async store(): Promise<Envelope> {
        // The container is created on first use as before, also for inline requests: delivery's checkpoints live there.
        await ensureContainer();
        const current = await message();
        try {
          await send(current);
        } catch (error) {
          if (current.envelope.payload.kind !== 'inline' || !(error instanceof QueueWriteFailed) || !isTooLarge(error.cause)) throw error;
          inline = undefined;
          const pointer = await message();
          await send(pointer);
          return pointer.envelope;
        }
        return current.envelope;
      },
      async park(): Promise<Envelope> {
        // The mark makes the text longer: an inline message that then no longer fits one queue message travels by
        // claim check, or the sweeper could never queue it.
        if (inline && !fitsQueueMessage(parkedText(inline.envelope))) inline = undefined;
        const { envelope } = await message();
        await ensureContainer();
        await parkEnvelope(clients.container, envelope);
        return envelope;
      },
      /** The request is refused, so its claim-check blob must not linger as an orphan. */
      async discard(): Promise<void> {
        if (claimCheck?.envelope.payload.kind === 'blob') await clients.container.getBlockBlobClient(claimCheck.envelope.payload.blobName).deleteIfExists().catch(() => undefined);
      },
    };
  }

  function sweepSoon(): void {
    if (!sweep || !parkedSinceSweep || sweeping) return;
    parkedSinceSweep = false;
    sweeping = sweep()
      .catch((error: unknown) => {
        parkedSinceSweep = true;
        log(`relay: sweeping parked requests failed: ${describeStorageError(error)} (the timer retries)`);
      })
      .finally(() => (sweeping = undefined));
  }

  return {
    async enqueue(meta, body, format) {
      const request = await attempts(meta, body, format);
      const startedAt = Date.now();
      let lastError: unknown;
      try {
        const { value, tries } = await withinDeadline(() => request.store(), Math.min(queueBudgetMs, deadlineMs), random);
        if (tries > 1) log(`relay: request ${meta.requestId} stored after ${tries} tries (storage was unavailable)`);
        sweepSoon();
        return value;
      } catch (error) {
        lastError = error;
      }
      const queueDown = lastError instanceof QueueWriteFailed && isQueueUnavailable(lastError.cause);
      const remainingMs = deadlineMs - (Date.now() - startedAt);
      if (remainingMs > 0) {
        try {
          if (queueDown) {
            const { value } = await withinDeadline(() => request.park(), remainingMs, random);
            parkedSinceSweep = true;
            log(`relay: request ${meta.requestId} parked as a blob (queue unavailable: ${describeStorageError((lastError as QueueWriteFailed).cause)}); the sweeper queues it`);
            return value;
          }
          // Blob storage (or everything) is down, so parking cannot help: keep trying the queue until the deadline.
          const { value } = await withinDeadline(() => request.store(), remainingMs, random);
          log(`relay: request ${meta.requestId} stored late (storage was unavailable)`);
          sweepSoon();
          return value;
        } catch (error) {
          lastError = error;
        }
      }
      await request.discard();
      const cause = lastError instanceof QueueWriteFailed ? lastError.cause : lastError;
      log(`relay: storage hand-off failed for request ${meta.requestId}: ${describeStorageError(cause)}`);
      throw storageUnavailable();
    },
  };
}
