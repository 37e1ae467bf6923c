import { z } from 'zod';
import type { RecordShape } from './queueEnvelope';

/**
 * Keeper audit events in the three shapes senders post (see keeper-events.md): the envelope fields are typed,
 * every other attribute is kept as it came (Keeper lists 200+ event types; unknown attributes are data).
 */

const ISO_8601 = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** An ISO 8601 time such as 2025-01-12T00:03:44.743Z. */
export const isoTimeSchema = z
  .string()
  .refine((s) => ISO_8601.test(s) && !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 time such as 2025-01-12T00:03:44.743Z');

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

/** Shape A: Keeper's push (legacy "Azure Sentinel" push, syslog/S3/webhook exports). */
export const keeperPushEventSchema = z.looseObject(pushEnvelope);

/** Shape B: Keeper's "Azure Monitor Logs" format, event attributes nested in `data`. */
export const keeperAzureMonitorEventSchema = z.looseObject({
  ...pushEnvelope,
  TimeGenerated: isoTimeSchema.nullish(),
  data: z.record(z.string(), z.unknown()).nullish(),
});

/** Shape C: Keeper Commander `audit-log --target azure-la` rows. */
export const keeperCommanderEventSchema = z.looseObject({
  audit_event_type: z.string().min(1),
  ip_address: text,
  keeper_version: text,
  username: text,
  timestamp: eventTime,
  created: z.number().nonnegative().nullish(),
  status: z.union([z.string(), z.number()]).nullish(),
});

export type KeeperPushEvent = z.infer<typeof keeperPushEventSchema>;
export type KeeperAzureMonitorEvent = z.infer<typeof keeperAzureMonitorEventSchema>;
export type KeeperCommanderEvent = z.infer<typeof keeperCommanderEventSchema>;

export type KeeperShape = Extract<RecordShape, 'keeper-push' | 'keeper-azure-monitor' | 'keeper-commander'>;

export const KEEPER_SCHEMAS = {
  'keeper-push': keeperPushEventSchema,
  'keeper-azure-monitor': keeperAzureMonitorEventSchema,
  'keeper-commander': keeperCommanderEventSchema,
} as const satisfies Record<KeeperShape, z.ZodType>;

/** Which shape a record is in, by the fields only that shape has. */
export function keeperShapeOf(record: Record<string, unknown>): KeeperShape {
  if ('audit_event_type' in record && !('audit_event' in record)) return 'keeper-commander';
  if ('data' in record || 'TimeGenerated' in record) return 'keeper-azure-monitor';
  return 'keeper-push';
}
