import { z } from 'zod';
import type { RecordShape } from '../handoff/queueEnvelope';

/**
 * Keeper audit events in the three shapes senders post (see keeper-events.md): the envelope fields are typed,
 * every other attribute is kept as it came (Keeper lists 200+ event types; unknown attributes are data).
 */

// Field ranges in the pattern itself: Date.parse per event cost more than the rest of the envelope check.
const ISO_8601 =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[T ]([01]\d|2[0-3]):[0-5]\d(:([0-5]\d|60)(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)?$/;

/** An ISO 8601 time such as 2025-01-12T00:03:44.743Z. */
export const isoTimeSchema = z
  .string()
  .regex(ISO_8601, 'must be an ISO 8601 time such as 2025-01-12T00:03:44.743Z');

const text = z.string().nullish();
/** Keeper's own exports use ISO text; Commander's raw rows and CSV exports use epoch numbers. */
const eventTime = z.union([isoTimeSchema, z.number().nonnegative()], {
  error: 'must be an ISO 8601 time such as 2025-01-12T00:03:44.743Z, or epoch seconds',
}).nullish();

const pushEnvelope = {
  audit_event: z.string().min(1),
  category: text,
  remote_address: text,
  client_version: text,
  username: text,
  timestamp: eventTime,
  enterprise_id: z.int({ error: 'must be an integer (the Keeper enterprise id)' }).nullish(),
};

// The envelope schemas validate (strip mode reads only the envelope fields, so checking a record does not copy it);
// the event schemas are the same envelopes with every other attribute kept.

/** Shape A: Keeper's push (legacy "Azure Sentinel" push, syslog/S3/webhook exports). */
const keeperPushEnvelopeSchema = z.object(pushEnvelope);
export const keeperPushEventSchema = keeperPushEnvelopeSchema.loose();

/** Shape B: Keeper's "Azure Monitor Logs" format, event attributes nested in `data`. */
const keeperAzureMonitorEnvelopeSchema = z.object({
  ...pushEnvelope,
  TimeGenerated: isoTimeSchema.nullish(),
  data: z.record(z.string(), z.unknown()).nullish(),
});
export const keeperAzureMonitorEventSchema = keeperAzureMonitorEnvelopeSchema.loose();

/** Shape C: Keeper Commander `audit-log --target azure-la` rows. */
const keeperCommanderEnvelopeSchema = z.object({
  audit_event_type: z.string().min(1),
  ip_address: text,
  keeper_version: text,
  username: text,
  timestamp: eventTime,
  created: z.number().nonnegative().nullish(),
  status: z.union([z.string(), z.number()]).nullish(),
});
export const keeperCommanderEventSchema = keeperCommanderEnvelopeSchema.loose();

export type KeeperPushEvent = z.infer<typeof keeperPushEventSchema>;
export type KeeperAzureMonitorEvent = z.infer<typeof keeperAzureMonitorEventSchema>;
export type KeeperCommanderEvent = z.infer<typeof keeperCommanderEventSchema>;

export type KeeperShape = Extract<RecordShape, 'keeper-push' | 'keeper-azure-monitor' | 'keeper-commander'>;

/** What validates a record of each shape. */
export const KEEPER_ENVELOPE_SCHEMAS = {
  'keeper-push': keeperPushEnvelopeSchema,
  'keeper-azure-monitor': keeperAzureMonitorEnvelopeSchema,
  'keeper-commander': keeperCommanderEnvelopeSchema,
} as const satisfies Record<KeeperShape, z.ZodType>;

/** Which shape a record is in, by the fields only that shape has. */
export function keeperShapeOf(record: Record<string, unknown>): KeeperShape {
  if (Object.hasOwn(record, 'audit_event_type') && !Object.hasOwn(record, 'audit_event')) return 'keeper-commander';
  if (Object.hasOwn(record, 'data') || Object.hasOwn(record, 'TimeGenerated')) return 'keeper-azure-monitor';
  return 'keeper-push';
}
