import type { Readable } from 'node:stream';
import { blobCheckpoints, usesCheckpoint } from './deliveryCheckpoint';
import { configurationAdvice, DeliveryError } from './deliveryError';
import { routesFor, type Route } from '../mapping/deliveryRoutes';
import type { DeliverySettings } from './deliverySettings';
import type { PoisonMessage } from '../handoff/poisonMessage';
import type { RelayCounters } from '../operations/relayCounters';
import { isNewDrift } from '../operations/driftReport';
import { readEnvelope, type Envelope } from '../handoff/queueEnvelope';
import { decompressedChunks, isCorruptPayload, type PayloadChunks } from '../handoff/payloadCodec';
import { recordSlices } from '../handoff/recordSlices';
import { BodyStructureError } from '../ingest/recordSplitter';
import type { StorageClients } from '../handoff/storageClients';
import type { Producer, UploadBatcher } from './uploadBatcher';

export interface DeliveryDeps {
  settings: DeliverySettings;
  storage: StorageClients;
  batcher: UploadBatcher;
  /** First delay before a deferred message is seen again; doubles per deferral. */
  retryDelaySeconds: number;
  log: (message: string) => void;
  /** Warnings (deferrals) and errors (poisoned messages); default `log`. */
  warn?: (message: string) => void;
  error?: (message: string) => void;
  counters?: RelayCounters;
}

export type DeliveryOutcome = 'delivered' | 'deferred' | 'poisoned';

const MAX_DEFER_SECONDS = 600;

class PermanentMessageError extends Error {}

function messageText(message: unknown): string {
  return typeof message === 'string' ? message : JSON.stringify(message);
}

function parseMessage(message: unknown): Envelope {
  const read = readEnvelope(message);
  if ('problem' in read) throw new PermanentMessageError(`malformed envelope: ${read.problem}`);
  return read.envelope;
}

/** The payload's decompressed bytes: from the message (whole when small), or streamed from the claim-check blob as read. */
async function payloadChunks(envelope: Envelope, storage: StorageClients): Promise<PayloadChunks> {
  const payload = envelope.payload;
  if (payload.kind === 'inline') return decompressedChunks(Buffer.from(payload.data, 'base64'));
  const download = await storage.container.getBlobClient(payload.blobName).download();
  return decompressedChunks(download.readableStreamBody as Readable);
}

function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 404;
}

function driftLine(envelope: Envelope, stream: string, undeclared: Map<string, number>): string | undefined {
  if (undeclared.size === 0) return undefined;
  // A sender chooses these names: anything beyond printable ASCII is shown JSON-escaped, so no name forges a log line.
  const top = [...undeclared.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([name, n]) => `${logSafeName(name)} ${n}`);
  return `relay: schema drift: Log-Type ${envelope.logType} → ${stream}: ${undeclared.size} properties without a column, kept in the dynamic column (${top.join(', ')}${undeclared.size > 10 ? ', …' : ''})`;
}

/** A sender's property name as a log shows it: printable ASCII as is, anything else JSON-escaped (DEL and C1 too). */
function logSafeName(name: string): string {
  if (/^[\x21-\x7e]+$/.test(name)) return name;
  return JSON.stringify(name).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** What a message's slices added up to, per route, for one log line each at the end. */
interface RouteTally {
  undeclared: Map<string, number>;
  truncatedRows: number;
}
/** A sender inventing property names cannot grow the drift tally without bound. */
const MAX_TALLIED_NAMES = 1_000;
/**
 * Slices whose uploads may run at once per message (about 2 MB of rows): enough for full ~1 MB upload calls to leave
 * at once instead of after the batcher's linger, few enough that memory stays a constant per message.
 */
const SLICES_IN_FLIGHT = 4;
/** At most one checkpoint write a second: a 10-million-record message has thousands of slices. */
const CHECKPOINT_EVERY_MS = 1000;

class SliceFailure {
  constructor(readonly error: unknown) {}
}

/** The claim-check blob is gone: a genuine loss, unless the checkpoint says the message was delivered. */
class MissingPayload extends Error {}

/**
 * Maps one slice for every route and waits until the Logs Ingestion API accepted all its rows (or one route failed,
 * after every route settled, so no upload is still running when the message is put back).
 */
async function deliverSlice(texts: readonly string[], envelope: Envelope, routes: Route[], tallies: RouteTally[], deps: DeliveryDeps): Promise<void> {
  const receivedAt = new Date(envelope.receivedAt);
  const uploads = routes.map((route, r) => {
    // Each route's mapper parses the exact record texts itself, losslessly.
    const mapped = route.map(texts, { envelope, receivedAt });
    const tally = tallies[r]!;
    tally.truncatedRows += mapped.truncatedRows;
    for (const [name, count] of mapped.undeclared) {
      if (tally.undeclared.has(name) || tally.undeclared.size < MAX_TALLIED_NAMES) tally.undeclared.set(name, (tally.undeclared.get(name) ?? 0) + count);
    }
    const { stream } = route.target;
    const counted = { stream, logType: envelope.logType, workspaceId: envelope.workspaceId };
    return deps.batcher.submit(route.target, mapped.texts, mapped.sizes).then(
      () => countDelivered(deps.counters, counted, mapped.rows.length, receivedAt),
      (error: unknown) => {
        if (error instanceof DeliveryError && error.kind === 'configuration') {
          const status = String(error.statusCode ?? 'no token');
          deps.counters?.configurationError(stream, status, configurationAdvice({ kind: 'configuration', statusCode: error.statusCode }, route.target));
          deps.counters?.count('configurationErrors', 1, { stream, status });
        }
        throw error;
      },
    );
  });
  const results = await Promise.allSettled(uploads);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
}

function reportTallies(envelope: Envelope, routes: Route[], tallies: RouteTally[], deps: DeliveryDeps): void {
  routes.forEach((route, r) => {
    const { undeclared, truncatedRows } = tallies[r]!;
    const drift = driftLine(envelope, route.target.stream, undeclared);
    // Once per Log-Type and new property set; the periodic summary counts the rest.
    if (drift && isNewDrift(envelope.logType, route.target.stream, undeclared.keys())) deps.log(drift);
    for (const [property, count] of driftDimensions(undeclared)) {
      deps.counters?.count('schemaDrift', count, { logType: envelope.logType, stream: route.target.stream, property });
    }
    if (truncatedRows > 0) deps.log(`relay: ${truncatedRows} rows of request ${envelope.requestId} had column values over the 64 KB field limit: cut, flagged, originals kept in the overflow value`);
  });
}

/** Per message, the metric's `property` dimension names the 20 commonest properties and sums the rest as `(other)`. */
const DRIFT_DIMENSION_NAMES = 20;

/** A sender inventing names cannot inflate the metric's cardinality (each dimension value is a series). */
function driftDimensions(undeclared: ReadonlyMap<string, number>): Array<[string, number]> {
  const sorted = [...undeclared.entries()].sort((a, b) => b[1] - a[1]);
  const rest = sorted.slice(DRIFT_DIMENSION_NAMES).reduce((sum, [, n]) => sum + n, 0);
  return rest > 0 ? [...sorted.slice(0, DRIFT_DIMENSION_NAMES), ['(other)', rest]] : sorted;
}

interface Progress {
  /** Leading records every route accepted. */
  done: number;
  onAdvance(): void;
}

/**
 * Streams a message's records to every route, SLICES_IN_FLIGHT slices at a time, skipping the `skip` records a
 * checkpoint says are done and moving `progress.done` forward as slices complete in order (also when it throws).
 */
async function streamRecords(envelope: Envelope, skip: number, deps: DeliveryDeps, progress: Progress, producer: Producer): Promise<void> {
  const routes = routesFor(envelope, deps.settings);
  const tallies = routes.map((): RouteTally => ({ undeclared: new Map(), truncatedRows: 0 }));
  const inFlight: Array<{ end: number; settled: Promise<unknown> }> = [];
  let failure: unknown;
  const settleOldest = async () => {
    const oldest = inFlight.shift()!;
    // Waiting on its own rows: the batcher need not hold a partial call for this message meanwhile.
    producer.waiting();
    const result = await oldest.settled;
    producer.busy();
    if (result instanceof SliceFailure) failure ??= result.error;
    else if (failure === undefined) {
      progress.done = oldest.end;
      progress.onAdvance();
    }
  };
  let chunks: PayloadChunks | undefined;
  try {
    try {
      chunks = await payloadChunks(envelope, deps.storage);
    } catch (error) {
      throw isNotFound(error) ? new MissingPayload() : error;
    }
    for await (const slice of recordSlices(chunks, envelope.payload.format)) {
      const end = slice.first + slice.texts.length;
      if (end <= skip) continue;
      const texts = slice.first < skip ? slice.texts.slice(skip - slice.first) : slice.texts;
      const settled = deliverSlice(texts, envelope, routes, tallies, deps).catch((error: unknown) => new SliceFailure(error));
      inFlight.push({ end, settled });
      while (inFlight.length >= SLICES_IN_FLIGHT) await settleOldest();
      if (failure !== undefined) break;
    }
  } catch (error) {
    failure ??=
      error instanceof BodyStructureError || error instanceof SyntaxError
        ? new PermanentMessageError(`the payload is not the JSON the door accepted: ${error.message}`)
        : isCorruptPayload(error)
          ? new PermanentMessageError(`the payload does not decompress (${(error as Error).message}): not what the door wrote`)
          : error;
  } finally {
    if (chunks && !Array.isArray(chunks)) chunks.destroy();
  }
  producer.close();
  while (inFlight.length > 0) await settleOldest();
  reportTallies(envelope, routes, tallies, deps);
  if (failure !== undefined) throw failure;
}

/**
 * Delivers one queue message: every record of it accepted by the Logs Ingestion API, or the message deferred
 * (configuration or transient trouble: seen again later, attempts not burned) or poisoned with its reason
 * (malformed, or refused for good). It completes only in one of those three states, so nothing is lost.
 * Memory is bounded per message whatever its size: records are read from the payload in slices (recordSlices), and
 * large messages keep a checkpoint (deliveryCheckpoint), so a restart or redelivery resumes where it stopped and a
 * redelivery after full delivery is recognised as done.
 */
export async function deliverMessage(message: unknown, deps: DeliveryDeps): Promise<DeliveryOutcome> {
  const checkpoints = blobCheckpoints(deps.storage.container);
  let envelope: Envelope | undefined;
  let checkpointed = false;
  let saved = 0;
  let savedAt = Date.now();
  let writes: Promise<void> = Promise.resolve();
  const progress: Progress = { done: 0, onAdvance: () => undefined };
  // From the start: while this message reads its payload and maps, partial upload calls wait for its rows.
  const producer = deps.batcher.producer();
  try {
    const current = (envelope = parseMessage(message));
    const payload = current.payload;
    if (payload.kind === 'blob' && payload.container !== deps.storage.container.containerName) {
      throw new PermanentMessageError(`claim-check container ${payload.container} is not the relay's (${deps.storage.container.containerName})`);
    }
    checkpointed = usesCheckpoint(current);
    if (checkpointed) {
      const checkpoint = await checkpoints.read(current);
      if (checkpoint.complete) {
        // Redelivered after full delivery (a lost lease, or a worker that died before completing the message).
        await deletePayload(current, deps);
        return 'delivered';
      }
      progress.done = saved = checkpoint.recordsDone;
      progress.onAdvance = () => {
        if (Date.now() - savedAt < CHECKPOINT_EVERY_MS) return;
        savedAt = Date.now();
        const done = progress.done;
        // Chained, so no periodic write can land after (and undo) the final one. A failed write only means more
        // records are sent again after a restart.
        writes = writes.then(() => checkpoints.write(current, { recordsDone: done, complete: false })).then(() => void (saved = Math.max(saved, done)), () => undefined);
      };
    }
    try {
      await streamRecords(current, progress.done, deps, progress, producer);
    } catch (error) {
      if (!(error instanceof MissingPayload)) throw error;
      throw new PermanentMessageError(`claim-check blob ${payload.kind === 'blob' ? `${payload.container}/${payload.blobName}` : ''} is missing`);
    }
    await writes;
    if (checkpointed) await checkpoints.write(current, { recordsDone: progress.done, complete: true });
    await deletePayload(current, deps);
    return 'delivered';
  } catch (error) {
    // Adds nothing more: the batcher need not hold partial calls through the deferral or poison writes below.
    producer.close();
    // Whatever happens next (deferral, poison, the host's retry), later attempts resume after the accepted records.
    await writes;
    if (envelope && checkpointed && progress.done > saved) {
      await checkpoints.write(envelope, { recordsDone: progress.done, complete: false }).catch(() => undefined);
    }
    if (error instanceof PermanentMessageError || (error instanceof DeliveryError && error.kind === 'permanent')) {
      // Serialised only now: the host hands a JSON message over parsed, and most are never poisoned.
      await poison(messageText(message), error.message, deps);
      deps.counters?.count('messagesPoisoned', 1, { logType: envelope?.logType ?? 'unknown' });
      return 'poisoned';
    }
    if (envelope && (error instanceof DeliveryError || isStorageFault(error))) {
      await defer(envelope, error instanceof Error ? error.message : String(error), deps);
      deps.counters?.count('messagesDeferred', 1, { logType: envelope.logType, kind: error instanceof DeliveryError ? error.kind : 'storage' });
      return 'deferred';
    }
    // Anything else: let the host retry the message (and poison it after maxDequeueCount), saying which request it is.
    (deps.error ?? deps.log)(
      `relay: request ${envelope?.requestId ?? '(unreadable envelope)'} (Log-Type ${envelope?.logType ?? 'unknown'}) failed: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}; the host retries it, then moves it to ${deps.storage.poisonQueue.name}`,
    );
    throw error;
  } finally {
    producer.close();
  }
}

async function deletePayload(envelope: Envelope, deps: DeliveryDeps): Promise<void> {
  if (envelope.payload.kind !== 'blob') return;
  await deps.storage.container.getBlobClient(envelope.payload.blobName).deleteIfExists().catch(() => undefined);
}

function countDelivered(counters: RelayCounters | undefined, dimensions: { stream: string; logType: string; workspaceId: string }, rows: number, receivedAt: Date): void {
  if (!counters) return;
  counters.count('rowsDelivered', rows, dimensions);
  counters.count('deliveryLag', Math.max(0, (Date.now() - receivedAt.getTime()) / 1000), { logType: dimensions.logType, stream: dimensions.stream });
  counters.uploadSucceeded(dimensions.stream);
}

function isStorageFault(error: unknown): boolean {
  const e = error as { name?: string; statusCode?: number };
  return e?.name === 'RestError' && (e.statusCode === undefined || e.statusCode >= 500 || e.statusCode === 429);
}

async function poison(original: string, reason: string, deps: DeliveryDeps): Promise<void> {
  const entry: PoisonMessage = { relayPoison: 1, reason, poisonedAt: new Date().toISOString(), original };
  await deps.storage.poisonQueue.createIfNotExists();
  await deps.storage.poisonQueue.sendMessage(JSON.stringify(entry), { messageTimeToLive: -1 });
  (deps.error ?? deps.log)(`relay: message moved to ${deps.storage.poisonQueue.name}: ${reason} (npm run redrive lists and moves it back once fixed)`);
}

/** Puts the message back as a new one that becomes visible later, so waiting for a fix does not use up attempts. */
async function defer(envelope: Envelope, reason: string, deps: DeliveryDeps): Promise<void> {
  const deferrals = (envelope.deferrals ?? 0) + 1;
  const delay = Math.min(MAX_DEFER_SECONDS, deps.retryDelaySeconds * 2 ** (deferrals - 1));
  await deps.storage.queue.sendMessage(JSON.stringify({ ...envelope, deferrals }), { visibilityTimeout: delay, messageTimeToLive: -1 });
  (deps.warn ?? deps.log)(`relay: request ${envelope.requestId} deferred for ${delay} s (deferral ${deferrals}): ${reason}`);
}
