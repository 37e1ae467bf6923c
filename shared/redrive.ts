import { readEnvelope } from './queueEnvelope';
import { readPoisonMessage } from './poisonMessage';
import type { StorageClients } from './storageClients';

export interface PoisonEntry {
  reason: string;
  poisonedAt?: string;
  requestId?: string;
  logType?: string;
  recordCount?: number;
  /** The original message as it will be sent back. */
  original: string;
}

function describe(text: string): PoisonEntry {
  const { original, reason, poisonedAt } = readPoisonMessage(text);
  const read = readEnvelope(original);
  const summary = 'envelope' in read ? { requestId: read.envelope.requestId, logType: read.envelope.logType, recordCount: read.envelope.recordCount } : {};
  return { reason, poisonedAt, original, ...summary };
}

/** What waits in the poison queue (the first 32, as the queue service peeks), and how many in all. */
export async function listPoison(storage: Pick<StorageClients, 'poisonQueue'>): Promise<{ total: number; entries: PoisonEntry[] }> {
  if (!(await storage.poisonQueue.exists())) return { total: 0, entries: [] };
  const total = (await storage.poisonQueue.getProperties()).approximateMessagesCount ?? 0;
  const peeked = await storage.poisonQueue.peekMessages({ numberOfMessages: 32 });
  return { total, entries: peeked.peekedMessageItems.map((m) => describe(m.messageText)) };
}

/** Moves every poison message back to the relay queue, original text unchanged; each is deleted only once re-sent. */
export async function redrivePoison(storage: Pick<StorageClients, 'poisonQueue' | 'queue'>): Promise<number> {
  if (!(await storage.poisonQueue.exists())) return 0;
  let moved = 0;
  for (;;) {
    const batch = (await storage.poisonQueue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 60 })).receivedMessageItems;
    if (batch.length === 0) return moved;
    for (const message of batch) {
      const { original } = readPoisonMessage(message.messageText);
      // Restart the deferral count: the cause is meant to be fixed now. A non-envelope goes back as it was.
      const read = readEnvelope(original);
      const text = 'envelope' in read ? JSON.stringify({ ...read.envelope, deferrals: undefined }) : original;
      await storage.queue.sendMessage(text, { messageTimeToLive: -1 });
      await storage.poisonQueue.deleteMessage(message.messageId, message.popReceipt);
      moved++;
    }
  }
}
