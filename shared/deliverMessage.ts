import { DeliveryError } from './deliveryError';
import { routesFor } from './deliveryRoutes';
import type { DeliverySettings } from './deliverySettings';
import { decompressPayload } from './payloadCodec';
import type { PoisonMessage } from './poisonMessage';
import type { RelayCounters } from './relayCounters';
import { configurationAdvice } from './deliveryError';
import { isNewDrift } from './driftReport';
import { readEnvelope, type Envelope } from './queueEnvelope';
import { recordTexts } from './recordTexts';
import type { StorageClients } from './storageClients';
import type { UploadBatcher } from './uploadBatcher';

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

async function payloadBytes(envelope: Envelope, storage: StorageClients): Promise<Buffer> {
  const payload = envelope.payload;
  if (payload.kind === 'inline') return decompressPayload(Buffer.from(payload.data, 'base64'));
  const container = payload.container === storage.container.containerName ? storage.container : undefined;
  if (!container) throw new PermanentMessageError(`claim-check container ${payload.container} is not the relay's (${storage.container.containerName})`);
  try {
    return await decompressPayload(await container.getBlobClient(payload.blobName).downloadToBuffer());
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) {
      // Also what a message retried after full delivery finds (its blob is deleted then): check the rows before redriving.
      throw new PermanentMessageError(`claim-check blob ${payload.container}/${payload.blobName} is missing`);
    }
    throw error;
  }
}

function driftLine(envelope: Envelope, stream: string, undeclared: Map<string, number>): string | undefined {
  if (undeclared.size === 0) return undefined;
  const top = [...undeclared.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([name, n]) => `${name} ${n}`);
  return `relay: schema drift: Log-Type ${envelope.logType} → ${stream}: ${undeclared.size} properties without a column, kept in the dynamic column (${top.join(', ')}${undeclared.size > 10 ? ', …' : ''})`;
}

/**
 * Delivers one queue message: every record of it accepted by the Logs Ingestion API, or the message deferred
 * (configuration or transient trouble: seen again later, attempts not burned) or poisoned with its reason
 * (malformed, or refused for good). It completes only in one of those three states, so nothing is lost.
 */
export async function deliverMessage(message: unknown, deps: DeliveryDeps): Promise<DeliveryOutcome> {
  const text = messageText(message);
  let envelope: Envelope | undefined;
  try {
    envelope = parseMessage(message);
    const receivedAt = new Date(envelope.receivedAt);
    const texts = recordTexts(await payloadBytes(envelope, deps.storage), envelope.payload.format);
    const uploads: Promise<void>[] = [];
    for (const route of routesFor(envelope, deps.settings)) {
      const mapped = route.map(texts, { envelope, receivedAt });
      const drift = driftLine(envelope, route.target.stream, mapped.undeclared);
      // Once per Log-Type and new property set; the periodic summary counts the rest.
      if (drift && isNewDrift(envelope.logType, route.target.stream, mapped.undeclared.keys())) deps.log(drift);
      for (const [property, count] of mapped.undeclared) {
        deps.counters?.count('schemaDrift', count, { logType: envelope.logType, stream: route.target.stream, property });
      }
      if (mapped.truncatedRows > 0) deps.log(`relay: ${mapped.truncatedRows} rows of request ${envelope.requestId} had column values over the 64 KB field limit: cut, flagged, originals kept in the overflow value`);
      const { stream } = route.target;
      const logType = envelope.logType;
      const counted = { stream, logType, workspaceId: envelope.workspaceId };
      uploads.push(
        deps.batcher.submit(route.target, mapped.rows, mapped.sizes).then(
          () => countDelivered(deps.counters, counted, mapped.rows.length, receivedAt),
          (error: unknown) => {
            if (error instanceof DeliveryError && error.kind === 'configuration') {
              const status = String(error.statusCode ?? 'no token');
              deps.counters?.configurationError(stream, status, configurationAdvice({ kind: 'configuration', statusCode: error.statusCode }, route.target));
              deps.counters?.count('configurationErrors', 1, { stream, status });
            }
            throw error;
          },
        ),
      );
    }
    // Wait for every route even when one fails, so no upload is still running when the message is put back.
    const results = await Promise.allSettled(uploads);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    if (envelope.payload.kind === 'blob') {
      await deps.storage.container.getBlobClient(envelope.payload.blobName).deleteIfExists().catch(() => undefined);
    }
    return 'delivered';
  } catch (error) {
    if (error instanceof PermanentMessageError || (error instanceof DeliveryError && error.kind === 'permanent')) {
      await poison(text, error.message, deps);
      deps.counters?.count('messagesPoisoned', 1, { logType: envelope?.logType ?? 'unknown' });
      return 'poisoned';
    }
    if (envelope && (error instanceof DeliveryError || isStorageFault(error))) {
      await defer(envelope, error instanceof Error ? error.message : String(error), deps);
      deps.counters?.count('messagesDeferred', 1, { logType: envelope.logType, kind: error instanceof DeliveryError ? error.kind : 'storage' });
      return 'deferred';
    }
    // Anything else: let the host retry the message (and poison it after maxDequeueCount).
    throw error;
  }
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
