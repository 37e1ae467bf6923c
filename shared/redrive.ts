import { envelopeSchema } from './queueEnvelope';
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
  let summary: Partial<PoisonEntry> = {};
  try {
    const envelope = envelopeSchema.safeParse(JSON.parse(original));
    if (envelope.success) summary = { requestId: envelope.data.requestId, logType: envelope.data.logType, recordCount: envelope.data.recordCount };
  } catch {
    // Shown with its reason only.
  }
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
      // Restart the deferral count: the cause is meant to be fixed now.
      let text = original;
      try {
        const parsed = envelopeSchema.safeParse(JSON.parse(original));
        if (parsed.success) text = JSON.stringify({ ...parsed.data, deferrals: undefined });
      } catch {
        // Not an envelope: send it back as it was; delivery will say why again.
      }
      await storage.queue.sendMessage(text, { messageTimeToLive: -1 });
      await storage.poisonQueue.deleteMessage(message.messageId, message.popReceipt);
      moved++;
    }
  }
}
