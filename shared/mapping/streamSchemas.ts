import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { LOG_TYPE_PATTERN } from '../handoff/queueEnvelope';
import keeperLegacyClJson from '../streams/keeper-legacy-cl.json';
import keeperSentinelJson from '../streams/keeper-security-events.json';
import relayedLogsJson from '../streams/relayed-logs.json';
import relayHeartbeatJson from '../streams/relay-heartbeat.json';

/**
 * The DCR streams and the tables they feed, one JSON file each in shared/streams/: the single source of truth for
 * their columns, read by the mappers here and by the Bicep for the stream declarations, dataflows and tables.
 * A file with `logTypes` declares a legacy table: records of those Log-Types become its rows, typed as the retired
 * Data Collector API typed them (mapLegacyTable.ts). Adding a table is adding a file (`npm run table -- import`).
 */
export const columnTypeSchema = z.enum(['string', 'int', 'long', 'real', 'boolean', 'datetime', 'dynamic']);
/** Table column types (Tables REST API), where they differ from the stream type (guid, dateTime spelling). */
export const tableColumnTypeSchema = z.enum(['string', 'int', 'long', 'real', 'boolean', 'dateTime', 'guid', 'dynamic']);

export const tableSourceSchema = z.enum(['relay', 'classic', 'sentinelSolution']);

const columnSchema = z.object({
  /** The column as the relay sends it (the DCR stream's column). */
  name: z.string().min(1),
  /** The DCR stream's column type. */
  type: columnTypeSchema,
  /** The table's column the dataflow writes it to (the generated dataflow renames it). */
  tableColumn: z.string().min(1),
  /** The table's column type when it differs from `type` (guid for a string stream column, say): a cast in the dataflow. */
  tableType: tableColumnTypeSchema.optional(),
});

export const streamSchemaSchema = z
  .object({
    description: z.string(),
    stream: z.string().regex(/^Custom-[A-Za-z0-9_]+$/),
    table: z.string().regex(/_CL$/),
    /** The route's overflow column: the dynamic column, or a legacy table's extra-properties column (`_s` text or dynamic). */
    dynamicColumn: z.string(),
    // The Logs Ingestion API's limit per table.
    columns: z.array(columnSchema).min(2).max(500),
    /** Log-Types whose records become rows of this legacy table (Log-Type header, as the retired API's `<Log-Type>_CL`). */
    logTypes: z.array(z.string().regex(LOG_TYPE_PATTERN)).min(1).optional(),
    /**
     * Who creates the destination table: `relay` (the template creates it), `classic` (the customer's classic table
     * migrated in place: referenced, never created or reshaped), `sentinelSolution` (a Sentinel solution's table: the
     * template creates the identical table only when the solution's own DCR is not used instead).
     */
    tableSource: tableSourceSchema.default('relay'),
    /**
     * An app setting that must be true for this route to exist; absent: always on. The template turns the stream and
     * dataflow on with the parameter that sets the same app setting (infra/main.bicep `streamSwitches`).
     */
    enabledBySetting: z.string().regex(/^[A-Z][A-Z0-9_]*$/).optional(),
    /** Legacy tables: the column holding the relay's event id (GUID), shared by a record's continuation rows. */
    eventIdColumn: z.string().default('relay_event_id_g'),
    /** Legacy tables: properties whose value is the event time when no time-generated-field header names one. */
    eventTimeFields: z.array(z.string().min(1)).default([]),
    /** Legacy tables: object-valued properties whose members count as top-level properties (Keeper's `data`). */
    flattenObjects: z.array(z.string().min(1)).default([]),
  })
  .superRefine((s, ctx) => {
    const names = new Set(s.columns.map((c) => c.name));
    if (!names.has('TimeGenerated')) ctx.addIssue({ code: 'custom', message: 'declares no TimeGenerated column' });
    if (!names.has(s.dynamicColumn)) ctx.addIssue({ code: 'custom', message: `dynamicColumn ${s.dynamicColumn} is not a declared column` });
    if (s.logTypes && !names.has(s.eventIdColumn)) ctx.addIssue({ code: 'custom', message: `eventIdColumn ${s.eventIdColumn} is not a declared column` });
    if (names.size !== s.columns.length) ctx.addIssue({ code: 'custom', message: 'declares a column twice' });
  });

export type ColumnType = z.infer<typeof columnTypeSchema>;
export type TableColumnType = z.infer<typeof tableColumnTypeSchema>;
export type StreamDeclaration = z.infer<typeof streamSchemaSchema>;
export type StreamSchema = StreamDeclaration & { columnTypes: ReadonlyMap<string, ColumnType> };

/** A parsed declaration; throws a zod error naming the broken field. */
export function loadStreamSchema(json: unknown): StreamSchema {
  const schema = streamSchemaSchema.parse(json);
  return { ...schema, columnTypes: new Map(schema.columns.map((c) => [c.name, c.type])) };
}

export const STREAMS = {
  keeperSentinel: loadStreamSchema(keeperSentinelJson),
  keeperLegacyCl: loadStreamSchema(keeperLegacyClJson),
  relayedLogs: loadStreamSchema(relayedLogsJson),
  relayHeartbeat: loadStreamSchema(relayHeartbeatJson),
} as const;

export type StreamKey = keyof typeof STREAMS;

/** shared/streams/ of the package: found by walking up to package.json, from the sources or from dist/. */
export function defaultStreamsDir(start = __dirname): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'shared', 'streams');
    if (path.dirname(dir) === dir) return path.join(__dirname, '..', 'streams');
  }
}

const loaded = new Map<string, StreamSchema[]>();

/** Every declaration in a folder (cached); throws naming the file that is not a valid declaration. */
export function loadStreamDeclarations(dir = defaultStreamsDir()): StreamSchema[] {
  let schemas = loaded.get(dir);
  if (!schemas) {
    const files = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
    schemas = files.map((name) => {
      try {
        return loadStreamSchema(JSON.parse(readFileSync(path.join(dir, name), 'utf8')));
      } catch (error) {
        throw new Error(`${path.join(dir, name)} is not a valid stream declaration: ${error instanceof z.ZodError ? z.prettifyError(error) : String(error)}`);
      }
    });
    refuseDuplicates(files, schemas, dir);
    loaded.set(dir, schemas);
  }
  return schemas;
}

/** Two files for one stream or table would send every record twice: refuse at start-up, naming both files. */
function refuseDuplicates(files: readonly string[], schemas: readonly StreamSchema[], dir: string): void {
  for (const key of ['stream', 'table'] as const) {
    const seen = new Map<string, string>();
    schemas.forEach((schema, i) => {
      const other = seen.get(schema[key]);
      if (other) throw new Error(`${path.join(dir, files[i]!)} declares ${key} ${schema[key]}, which ${other} declares already: keep one of them`);
      seen.set(schema[key], files[i]!);
    });
  }
}

/** The declared legacy tables that receive a Log-Type. */
export function declaredTablesFor(logType: string, dir?: string): StreamSchema[] {
  // Per message: the default folder is found once, not by walking the file system each time.
  return loadStreamDeclarations(dir ?? (defaultDir ??= defaultStreamsDir())).filter((s) => s.logTypes?.includes(logType));
}

let defaultDir: string | undefined;
