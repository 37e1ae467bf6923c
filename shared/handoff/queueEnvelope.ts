import { z } from 'zod';
import { isGuid } from '../ingest/guid';

/**
 * The queue message one accepted request becomes: the hand-off contract between the HTTP doors and delivery.
 * Versioned so a relay upgrade can still drain messages written by the previous version.
 */

export const LOG_TYPE_PATTERN = /^[A-Za-z0-9_]{1,100}$/;

export const bodyFormatSchema = z.enum(['json', 'ndjson']);

export const recordShapeSchema = z.enum([
  'keeper-push', // shape A: flat snake_case
  'keeper-azure-monitor', // shape B: envelope + TimeGenerated + data{}
  'keeper-commander', // shape C: audit_event_type, ip_address, keeper_version
  'keeper-mixed',
  'generic',
]);

const inlinePayloadSchema = z.object({
  kind: z.literal('inline'),
  /** The request body exactly as received, Brotli-compressed (payloadCodec), then base64. */
  encoding: z.literal('br-base64'),
  format: bodyFormatSchema,
  data: z.string().min(1),
});

const blobPayloadSchema = z.object({
  kind: z.literal('blob'),
  /** The request body exactly as received, Brotli-compressed (payloadCodec), in a blob (claim check). */
  encoding: z.literal('br'),
  format: bodyFormatSchema,
  container: z.string().min(3),
  blobName: z.string().min(1),
  bytes: z.int().nonnegative(),
});

export const envelopeSchema = z.object({
  v: z.literal(1),
  requestId: z.uuid(),
  /** `heartbeat`: the relay's own synthetic event (functions/heartbeat.ts), routed to the heartbeat stream. */
  door: z.enum(['legacy', 'keeper', 'heartbeat']),
  workspaceId: z.string().refine(isGuid, 'a workspace id (GUID)'),
  logType: z.string().regex(LOG_TYPE_PATTERN),
  receivedAt: z.iso.datetime({ offset: false }),
  timeGeneratedField: z.string().min(1).optional(),
  resourceId: z.string().min(1).optional(),
  shape: recordShapeSchema,
  recordCount: z.int().positive(),
  /** How many times delivery put the message back for later (configuration or transient errors). */
  deferrals: z.int().nonnegative().optional(),
  /**
   * Set when the hand-off parked the envelope as a blob because the queue refused writes (parkedEnvelopes.ts): the
   * sweeper may send it twice after a crash, so delivery always checkpoints it by request id.
   */
  parked: z.literal(true).optional(),
  payload: z.discriminatedUnion('kind', [inlinePayloadSchema, blobPayloadSchema]),
});

export type Envelope = z.infer<typeof envelopeSchema>;
export type EnvelopeMeta = Omit<Envelope, 'v' | 'payload'>;
export type BodyFormat = z.infer<typeof bodyFormatSchema>;
export type RecordShape = z.infer<typeof recordShapeSchema>;
export type BlobPayload = z.infer<typeof blobPayloadSchema>;

/**
 * The envelope in a queue message, or why there is none. Queue triggers hand JSON messages over already parsed,
 * other text as a string; redrive reads the text.
 */
export function readEnvelope(message: unknown): { envelope: Envelope } | { problem: string } {
  let value = message;
  if (typeof message === 'string') {
    try {
      value = JSON.parse(message);
    } catch {
      return { problem: 'the message is not JSON' };
    }
  }
  const parsed = envelopeSchema.safeParse(value);
  if (parsed.success) return { envelope: parsed.data };
  const issue = parsed.error.issues[0]!;
  return { problem: `${issue.path.join('.') || 'message'}: ${issue.message}` };
}

export function parseEnvelope(message: unknown): Envelope {
  const read = readEnvelope(message);
  if ('problem' in read) throw new Error(`malformed envelope: ${read.problem}`);
  return read.envelope;
}
