import { withUnholdableAsText } from './jsonNumbers';
import { legacyColumn } from './legacyColumnTyping';
import { fragmentObject, mapRecords, setRelayKey, type MappedRows, type RowMapper } from './mappedRows';
import type { RecordContext } from './recordContext';
import { isPlainObject, type RecordObject } from '../ingest/recordRules';
import type { ColumnType, StreamSchema } from './streamSchemas';
import { chooseTimeGenerated } from './timeGenerated';

/** The attributes as the retired API saw them: the declaration's `flattenObjects` merged into the top level (top level wins). */
function legacyAttributes(record: RecordObject, flatten: readonly string[]): RecordObject {
  const nested = flatten.filter((name) => isPlainObject(record[name]));
  if (nested.length === 0) return record;
  const top = { ...record };
  const merged: RecordObject = {};
  for (const name of nested) {
    Object.assign(merged, record[name] as RecordObject);
    delete top[name];
  }
  return { ...merged, ...top };
}

/** Whether a column value is what the declared stream type takes (an imported table may type a column its own way). */
function fitsType(type: ColumnType | undefined, value: unknown): boolean {
  switch (type) {
    case 'string':
    case 'datetime':
      return typeof value === 'string';
    case 'real':
      return typeof value === 'number';
    case 'long':
      return Number.isSafeInteger(value);
    case 'int':
      return Number.isInteger(value) && Math.abs(value as number) <= 2 ** 31 - 1;
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return type === 'dynamic';
  }
}

function eventTime(record: RecordObject, attributes: RecordObject, context: RecordContext, fields: readonly string[]): unknown {
  const header = context.envelope.timeGeneratedField;
  if (header) return record[header];
  for (const field of fields) if (attributes[field] !== undefined && attributes[field] !== null) return attributes[field];
  return undefined;
}

/**
 * Rows for a declared legacy table (a `<Log-Type>_CL` with the retired API's columns). Each property becomes the
 * column the retired API made of it when the declaration has that column; otherwise (undeclared, a type the table
 * has no column for, a name that cannot be a column) it is kept whole in the extra-properties column and counted
 * as drift. A number a `_d` column holds only approximately (beyond 2^53) or not at all (1e400) is also kept there
 * as its text and listed in `relay_as_text`.
 */
export function legacyTableMapper(table: StreamSchema): RowMapper {
  const extraColumn = table.dynamicColumn;
  const extraAsText = table.columnTypes.get(extraColumn) !== 'dynamic';
  const reserved = new Set(['TimeGenerated', extraColumn, table.eventIdColumn]);
  return {
    pinned: new Set(['TimeGenerated', table.eventIdColumn, extraColumn]),
    toRow({ record, rawNumbers, eventId: id }, context) {
      const attributes = legacyAttributes(record, table.flattenObjects);
      const row: RecordObject = { TimeGenerated: chooseTimeGenerated(eventTime(record, attributes, context, table.eventTimeFields), context.receivedAt) };
      const extra: RecordObject = {};
      const sources = new Map<string, { name: string; value: unknown }>();
      const asText: string[] = [];
      for (const name of Object.keys(attributes)) {
        const value = attributes[name];
        const column = legacyColumn(name, value);
        const type = column && table.columnTypes.get(column.column);
        const fits = column !== undefined && (column.value === undefined || fitsType(type, column.value));
        if (column && type && fits && !reserved.has(column.column) && !Object.hasOwn(row, column.column)) {
          if (column.value !== undefined) row[column.column] = column.value;
          sources.set(column.column, { name, value });
          if (column.inexactText === undefined) continue;
          extra[name] = column.inexactText;
          asText.push(name);
        } else if (value !== null) extra[name] = value;
      }
      const undeclared = Object.keys(extra).filter((name) => !asText.includes(name));
      row[table.eventIdColumn] = id;
      // The x-ms-AzureResourceId header: the classic table's _ResourceId cannot be written through a DCR.
      if (context.envelope.resourceId !== undefined) setRelayKey(extra, 'relay_resource_id', context.envelope.resourceId);
      if (asText.length > 0) setRelayKey(extra, 'relay_as_text', asText);
      const overflow = rawNumbers && !extraAsText ? (withUnholdableAsText(extra, '', asText) as RecordObject) : extra;
      return { row, overflow, undeclared, sources, eventId: id };
    },
    place(row, fragment, part, parts) {
      const value = fragmentObject(fragment, part, parts);
      if (Object.keys(value).length === 0) return;
      // Numbers stay as sent inside the JSON text, 1e400 included: text holds any number.
      row[extraColumn] = extraAsText ? JSON.stringify(value) : value;
    },
    continuation: (first) => ({ TimeGenerated: first.TimeGenerated, [table.eventIdColumn]: first[table.eventIdColumn] }),
  };
}

/** Maps record texts to rows of a declared legacy table (see legacyTableMapper). */
export function mapLegacyTable(table: StreamSchema, texts: readonly string[], context: RecordContext): MappedRows {
  return mapRecords(legacyTableMapper(table), texts, context);
}
