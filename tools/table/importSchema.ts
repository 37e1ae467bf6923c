import { z } from 'zod';
import type { ColumnType } from '../../shared/mapping/streamSchemas';
import type { DeclaredColumn } from './declaration';
import { doorRefusal } from './doorRefusal';

/**
 * A classic table's schema as `az monitor log-analytics workspace table show` prints it (the resource with its
 * properties flattened: `schema.columns`, `schema.standardColumns`) or as the Tables REST API returns it
 * (`properties.schema`; azure-rest-api-specs Microsoft.OperationalInsights Tables.json, 2022-10-01), or the rows of
 * `<table> | getschema` (`ColumnName`, `ColumnType`) from `az monitor log-analytics query`.
 */
const columnSchema = z.object({ name: z.string().min(1), type: z.string().min(1) }).loose();
const tableSchemaSchema = z
  .object({
    name: z.string().regex(/_CL$/, 'a custom table name ending in _CL'),
    tableSubType: z.string().optional(),
    columns: z.array(columnSchema).default([]),
    standardColumns: z.array(columnSchema).default([]),
  })
  .loose();
const azShowSchema = z.object({ schema: tableSchemaSchema }).loose();
const restSchema = z.object({ properties: z.object({ schema: tableSchemaSchema }).loose() }).loose();
const getschemaRowsSchema = z.array(z.object({ ColumnName: z.string().min(1), ColumnType: z.string().min(1) }).loose()).min(1);

/** Table column types (REST enum, getschema and CLI spellings) → the stream type and the table's own type. */
const TYPES: Record<string, DeclaredColumn['type'] | 'guid'> = {
  string: 'string',
  int: 'int',
  long: 'long',
  real: 'real',
  double: 'real',
  boolean: 'boolean',
  bool: 'boolean',
  datetime: 'datetime',
  guid: 'guid',
  uniqueid: 'guid',
  dynamic: 'dynamic',
};

/** Standard columns of a classic table that the service fills. */
const SERVICE_COLUMNS = new Set(['TenantId', 'Type', 'SourceSystem', 'MG', 'ManagementGroupName', 'RawData']);
/** A custom column the retired API named with a type suffix. */
const SUFFIXED = /_[sdbtg]$/;

export interface ImportedTable {
  table: string;
  tableSubType?: string;
  columns: DeclaredColumn[];
  /** Columns the relay does not write (standard columns the service fills), with why. */
  skipped: string[];
}

function declaredColumn(name: string, type: string, skipped: string[]): DeclaredColumn | undefined {
  const mapped = TYPES[type.replace(/^System\./, '').toLowerCase()];
  if (!mapped) {
    skipped.push(`${name} (${type}: not a column type a DCR stream can send)`);
    return undefined;
  }
  // Hidden columns (_ResourceId, _BilledSize, ...) start with an underscore and a letter; `__proto___s` does not.
  if (/^_[A-Za-z]/.test(name) || SERVICE_COLUMNS.has(name)) {
    skipped.push(`${name} (filled by the service, not sent)`);
    return undefined;
  }
  const property = SUFFIXED.test(name) ? name.slice(0, -2) : undefined;
  const refusal = property === undefined ? undefined : doorRefusal(property);
  if (refusal !== undefined) {
    // Kept declared: `table update --columns` replaces the custom columns, so leaving it out would drop the classic
    // table's column (and hide its past values) although no new record can fill it.
    skipped.push(`${name} kept as declared, but no new row fills it: the door refuses the property ${JSON.stringify(property)} (${refusal})`);
  }
  return mapped === 'guid' ? { name, type: 'string' as ColumnType, tableType: 'guid' } : { name, type: mapped };
}

/** The declared columns of a classic table's schema JSON; throws naming what the file is not. */
export function importTableSchema(json: unknown, tableName?: string): ImportedTable {
  const skipped: string[] = [];
  const rows = getschemaRowsSchema.safeParse(json);
  if (rows.success) {
    if (!tableName) throw new Error('getschema rows do not name their table: pass --table <Name>_CL');
    return { table: tableName, ...declaredColumns(rows.data.map((r) => ({ name: r.ColumnName, type: r.ColumnType })), skipped) };
  }
  const az = azShowSchema.safeParse(json);
  const rest = az.success ? undefined : restSchema.safeParse(json);
  const schema = az.success ? az.data.schema : rest?.success ? rest.data.properties.schema : undefined;
  if (!schema) {
    throw new Error('not a table schema: expected the output of `az monitor log-analytics workspace table show` (schema.columns), the Tables REST API (properties.schema) or `<table> | getschema` rows');
  }
  // Standard columns of a classic table: only those a sender filled (Computer) are the relay's to write.
  const standard = schema.standardColumns.filter((c) => c.name === 'Computer' || c.name === 'TimeGenerated');
  // A column can be listed both as standard and as custom (TenantId in some outputs): each is reported once.
  const custom = schema.columns.filter((c) => !schema.standardColumns.some((s) => s.name === c.name));
  for (const c of schema.standardColumns) if (!standard.includes(c)) skipped.push(`${c.name} (standard column, filled by the service)`);
  return { table: tableName ?? schema.name, tableSubType: schema.tableSubType, ...declaredColumns([...standard, ...custom], skipped) };
}

/** Each named column once (the first listing wins), declared or added to `skipped` with why. */
function declaredColumns(listed: ReadonlyArray<{ name: string; type: string }>, skipped: string[]): { columns: DeclaredColumn[]; skipped: string[] } {
  const seen = new Set<string>();
  const columns: DeclaredColumn[] = [];
  for (const c of listed) {
    if (seen.has(c.name)) continue;
    seen.add(c.name);
    const column = declaredColumn(c.name, c.type, skipped);
    if (column) columns.push(column);
  }
  return { columns, skipped };
}
