import { z } from 'zod';

/**
 * What the relay writes to `<queue>-poison` itself: the reason next to the original message, so an operator can
 * fix the cause and redrive. The Functions host also moves messages there after maxDequeueCount failures, as bare
 * original text without a reason; redrive handles both.
 */
export const poisonMessageSchema = z.object({
  relayPoison: z.literal(1),
  reason: z.string(),
  poisonedAt: z.iso.datetime(),
  /** The original queue message text, unchanged. */
  original: z.string(),
  /** Set by redrive once it has re-sent the original: a later run deletes the entry instead of sending it twice. */
  movedAt: z.iso.datetime().optional(),
});

export type PoisonMessage = z.infer<typeof poisonMessageSchema>;

export function poisonQueueName(queueName: string): string {
  return `${queueName}-poison`;
}

export const HOST_MOVED_REASON = 'moved by the Functions host after repeated failures (see the function logs)';

/** The original message and the reason, whichever way the message reached the poison queue. */
export function readPoisonMessage(text: string): { original: string; reason: string; poisonedAt?: string; movedAt?: string } {
  try {
    const parsed = poisonMessageSchema.safeParse(JSON.parse(text));
    if (parsed.success) return { original: parsed.data.original, reason: parsed.data.reason, poisonedAt: parsed.data.poisonedAt, movedAt: parsed.data.movedAt };
  } catch {
    // Not JSON: a host-moved message whose text was not JSON either.
  }
  return { original: text, reason: HOST_MOVED_REASON };
}
