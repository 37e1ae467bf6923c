import type { DequeuedMessageItem } from '@azure/storage-queue';
import { readEnvelope } from './queueEnvelope';
import { readPoisonMessage, type PoisonMessage } from './poisonMessage';
import type { StorageClients } from './storageClients';

/**
 * Redrive: what waits in `<queue>-poison`, and putting it back (or purging it) once the cause is fixed.
 *
 * A run ends and never duplicates:
 * - it acts only on messages inserted before the run began (by the storage service's clock), so a message that fails
 *   again while the run goes on stays in poison with its new reason, for the next run;
 * - it moves each request id at most once per run;
 * - idempotent by message id: after re-sending a message it marks the poison entry `movedAt` before deleting it, so a
 *   run interrupted between the two (or a delete that failed) makes the next run delete the entry, not re-send it.
 */

export interface PoisonEntry {
  /** The poison queue's message id (stable until the message is deleted). */
  messageId?: string;
  insertedOn?: string;
  reason: string;
  poisonedAt?: string;
  requestId?: string;
  logType?: string;
  recordCount?: number;
  /** The claim-check blob of a large request, deleted by --purge. */
  blobName?: string;
  /** The original message as it will be sent back. */
  original: string;
}

export interface PoisonSelection {
  /** Case-insensitive substrings; an entry matches when its reason contains any of them. */
  reasons?: readonly string[];
  /** Poison message ids or request ids. */
  ids?: readonly string[];
}

export interface RedriveOptions {
  action: 'move' | 'purge';
  selection?: PoisonSelection;
  /** Reports what would be done and leaves every message as it was. */
  dryRun?: boolean;
  /** How long a message under work stays hidden from other readers (default 300 s). */
  leaseSeconds?: number;
}

export interface RedriveReport {
  action: 'move' | 'purge';
  dryRun: boolean;
  /** Moved back (or purged, or, with dryRun, that would be). */
  done: PoisonEntry[];
  /** Entries an interrupted earlier run had already re-sent: deleted now, not sent again. */
  completedEarlier: number;
  /** Not selected, poisoned during this run, or a request already moved in this run: left in poison. */
  leftInPoison: number;
}

function describe(text: string, message?: { messageId: string; insertedOn: Date }): PoisonEntry {
  const { original, reason, poisonedAt } = readPoisonMessage(text);
  const read = readEnvelope(original);
  const summary =
    'envelope' in read
      ? {
          requestId: read.envelope.requestId,
          logType: read.envelope.logType,
          recordCount: read.envelope.recordCount,
          blobName: read.envelope.payload.kind === 'blob' ? read.envelope.payload.blobName : undefined,
        }
      : {};
  return { messageId: message?.messageId, insertedOn: message?.insertedOn.toISOString(), reason, poisonedAt, original, ...summary };
}

export function selects(entry: PoisonEntry, selection: PoisonSelection = {}): boolean {
  const { reasons = [], ids = [] } = selection;
  const reasonOk = reasons.length === 0 || reasons.some((r) => entry.reason.toLowerCase().includes(r.toLowerCase()));
  const idOk = ids.length === 0 || ids.some((id) => id === entry.messageId || id.toLowerCase() === entry.requestId?.toLowerCase());
  return reasonOk && idOk;
}

/** What waits in the poison queue (the first 32, as the queue service peeks), and how many in all. */
export async function listPoison(storage: Pick<StorageClients, 'poisonQueue'>): Promise<{ total: number; entries: PoisonEntry[] }> {
  if (!(await storage.poisonQueue.exists())) return { total: 0, entries: [] };
  const total = (await storage.poisonQueue.getProperties()).approximateMessagesCount ?? 0;
  const peeked = await storage.poisonQueue.peekMessages({ numberOfMessages: 32 });
  return { total, entries: peeked.peekedMessageItems.map((m) => describe(m.messageText, m)) };
}

/** The text sent back: the original envelope with its deferral count restarted (the cause is meant to be fixed). */
function resendText(original: string): string {
  const read = readEnvelope(original);
  return 'envelope' in read ? JSON.stringify({ ...read.envelope, deferrals: undefined }) : original;
}

/** Moves (or purges) the selected poison messages present when the run began; see the module comment. */
export async function redrive(storage: Pick<StorageClients, 'poisonQueue' | 'queue' | 'container'>, options: RedriveOptions): Promise<RedriveReport> {
  const { action, selection, dryRun = false, leaseSeconds = 300 } = options;
  const report: RedriveReport = { action, dryRun, done: [], completedEarlier: 0, leftInPoison: 0 };
  if (!(await storage.poisonQueue.exists())) return report;
  const held = new Map<string, string>(); // messageId → latest pop receipt, released at the end
  const seen = new Set<string>();
  const movedRequests = new Set<string>();
  let startedAt: Date | undefined;
  try {
    for (;;) {
      const response = await storage.poisonQueue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: leaseSeconds });
      // The service's clock, not this machine's: a laptop's skew must not let re-poisoned messages count as old.
      // Its Date header has whole seconds, rounded down: a message inserted in that second still counts as present
      // (a repeat within it is caught by the request id), one inserted in any later second does not.
      startedAt ??= new Date((response.date ?? new Date()).getTime() + 1000);
      let eligible = 0;
      for (const message of response.receivedMessageItems) {
        if (seen.has(message.messageId) || message.insertedOn >= startedAt) {
          held.set(message.messageId, message.popReceipt);
          continue;
        }
        seen.add(message.messageId);
        eligible++;
        const entry = describe(message.messageText, message);
        const { movedAt } = readPoisonMessage(message.messageText);
        if (movedAt && !dryRun) {
          await storage.poisonQueue.deleteMessage(message.messageId, message.popReceipt);
          report.completedEarlier++;
          continue;
        }
        const repeat = entry.requestId !== undefined && movedRequests.has(entry.requestId);
        if (!selects(entry, selection) || repeat || dryRun) {
          if (dryRun && !repeat && selects(entry, selection)) report.done.push(entry);
          else report.leftInPoison++;
          held.set(message.messageId, message.popReceipt);
          continue;
        }
        if (action === 'purge') await purge(storage, message, entry);
        else await moveBack(storage, message, entry);
        if (entry.requestId) movedRequests.add(entry.requestId);
        report.done.push(entry);
      }
      if (response.receivedMessageItems.length === 0 || eligible === 0) break;
    }
  } finally {
    // Everything looked at but left alone becomes visible again at once, not after the lease.
    await Promise.allSettled([...held].map(([id, receipt]) => storage.poisonQueue.updateMessage(id, receipt, undefined, 0)));
  }
  return report;
}

async function moveBack(storage: Pick<StorageClients, 'poisonQueue' | 'queue'>, message: DequeuedMessageItem, entry: PoisonEntry): Promise<void> {
  await storage.queue.sendMessage(resendText(entry.original), { messageTimeToLive: -1 });
  // Mark first, then delete: if the delete never happens, the next run sees the mark and does not send it again.
  const { original, reason, poisonedAt } = readPoisonMessage(message.messageText);
  const marked: PoisonMessage = { relayPoison: 1, reason, poisonedAt: poisonedAt ?? message.insertedOn.toISOString(), original, movedAt: new Date().toISOString() };
  let receipt = message.popReceipt;
  try {
    receipt = (await storage.poisonQueue.updateMessage(message.messageId, message.popReceipt, JSON.stringify(marked), 300)).popReceipt ?? receipt;
  } catch (error) {
    // A 64 KiB original leaves no room for the mark (413): delete at once instead, the message is already re-sent.
    if ((error as { statusCode?: number }).statusCode !== 413) throw error;
  }
  await storage.poisonQueue.deleteMessage(message.messageId, receipt);
}

async function purge(storage: Pick<StorageClients, 'poisonQueue' | 'container'>, message: DequeuedMessageItem, entry: PoisonEntry): Promise<void> {
  await storage.poisonQueue.deleteMessage(message.messageId, message.popReceipt);
  if (entry.blobName) await storage.container.getBlobClient(entry.blobName).deleteIfExists();
}

/** Moves every poison message present now back to the relay queue, once; the number moved. */
export async function redrivePoison(storage: Pick<StorageClients, 'poisonQueue' | 'queue' | 'container'>): Promise<number> {
  return (await redrive(storage, { action: 'move' })).done.length;
}
