import { z } from 'zod';
import keeperLegacyClJson from './streams/keeper-legacy-cl.json';
import keeperSentinelJson from './streams/keeper-security-events.json';
import relayedLogsJson from './streams/relayed-logs.json';
import relayHeartbeatJson from './streams/relay-heartbeat.json';

/**
 * The DCR streams, one JSON file each: the single source of truth for their columns, read by the mappers here and by
 * the Bicep (loadJsonContent) for the stream declarations and the tables.
 */
export const columnTypeSchema = z.enum(['string', 'int', 'long', 'real', 'boolean', 'datetime', 'dynamic']);

export const streamSchemaSchema = z.object({
  description: z.string(),
  stream: z.string().regex(/^Custom-[A-Za-z0-9_]+$/),
  table: z.string().regex(/_CL$/),
  dynamicColumn: z.string(),
  columns: z
    .array(z.object({ name: z.string(), type: columnTypeSchema, tableColumn: z.string(), tableType: z.string().optional() }))
    .min(2),
  transformKql: z.string(),
});

export type ColumnType = z.infer<typeof columnTypeSchema>;
export type StreamSchema = z.infer<typeof streamSchemaSchema> & { columnTypes: ReadonlyMap<string, ColumnType> };

function load(json: unknown): StreamSchema {
  const schema = streamSchemaSchema.parse(json);
  return { ...schema, columnTypes: new Map(schema.columns.map((c) => [c.name, c.type])) };
}

export const STREAMS = {
  keeperSentinel: load(keeperSentinelJson),
  keeperLegacyCl: load(keeperLegacyClJson),
  relayedLogs: load(relayedLogsJson),
  relayHeartbeat: load(relayHeartbeatJson),
} as const;

export type StreamKey = keyof typeof STREAMS;
