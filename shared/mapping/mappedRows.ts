import { MAX_FIELD_BYTES, MAX_FRAGMENT_BYTES, MAX_ROW_BASE_BYTES, overLimit, truncateUtf8 } from './fieldLimits';
import { eventId } from './eventId';
import type { RecordContext } from './recordContext';
import { parseRecordText, type ParsedRecord } from './recordText';
import type { RecordObject } from '../ingest/recordRules';
import { jsonBytes, splitValue, type Fragment } from './valueFragments';

/** What a mapper produced for one message: rows for one stream, and the properties it had to move (schema drift). */
export interface MappedRows {
  rows: RecordObject[];
  /** Each row's JSON text: the one serialisation of the row, which the upload body is built from. */
  texts: string[];
  /** Each text's UTF-8 bytes, for packing upload calls under the limit. */
  sizes: number[];
  /** Property name → how many records carried it without a column of its own (kept in the overflow value). */
  undeclared: Map<string, number>;
  /** Rows with a column value cut to the 64 KB field limit (the original is kept in the overflow value). */
  truncatedRows: number;
  /** Records that needed more than one row (their overflow value split into parts sharing the event id). */
  splitRecords: number;
}

/** One record as a route sees it: its columns, and what goes into the route's overflow value. */
export interface RecordRow {
  row: RecordObject;
  /** Properties kept whole outside the columns (undeclared, unnameable, mistyped, flags); an object. */
  overflow: RecordObject;
  /** The record's properties without a column of their own. */
  undeclared: Iterable<string>;
  /** For columns filled from a record property: that property's name and original value (kept if the column is cut). */
  sources?: ReadonlyMap<string, { name: string; value: unknown }>;
  /** The record's event id, repeated in every row of a split record. */
  eventId: string;
  /** The finished row's JSON, when it was measured whole (set while placing the overflow). */
  text?: string;
}

/** One record as its mapper gets it: parsed losslessly, with the id every route's rows carry (eventId.ts). */
export interface RecordInput {
  record: RecordObject;
  /** Whether some number is kept as a raw JSON number (so dynamic values need a check for unholdable ones). */
  rawNumbers: boolean;
  eventId: string;
}

/** How one route turns one record into rows of its stream. */
export interface RowMapper {
  toRow(input: RecordInput, context: RecordContext): RecordRow;
  /** Columns that stay in the row whatever its size (time, event id, the overflow column). */
  pinned: ReadonlySet<string>;
  /** Puts the overflow value (whole: `parts` 1) or one fragment of it into a row. */
  place(row: RecordObject, fragment: Fragment, part: number, parts: number, eventId: string): void;
  /** The columns a continuation row repeats from the first row (time, event id). */
  continuation(first: RecordObject): RecordObject;
}

/**
 * Maps each record text to rows that the Logs Ingestion API accepts whole: a column value over 64 KB is cut and
 * its original kept in the overflow value, a row over the request limit moves its largest columns there, and an
 * overflow value over 64 KB is split losslessly over rows sharing the record's event id (valueFragments.ts).
 */
export function mapRecords(mapper: RowMapper, texts: readonly string[], context: RecordContext): MappedRows {
  const result: MappedRows = { rows: [], texts: [], sizes: [], undeclared: new Map(), truncatedRows: 0, splitRecords: 0 };
  const inputs = recordInputs(texts, context);
  for (const input of inputs) {
    const recordRow = mapper.toRow(input, context);
    for (const name of recordRow.undeclared) result.undeclared.set(name, (result.undeclared.get(name) ?? 0) + 1);
    if (cutLongColumns(recordRow, mapper)) result.truncatedRows++;
    moveColumnsUntilRowFits(recordRow, mapper);
    const rows = placeOverflow(recordRow, mapper);
    if (rows.length > 1) result.splitRecords++;
    for (const row of rows) {
      const text = rows.length === 1 && recordRow.text !== undefined ? recordRow.text : JSON.stringify(row);
      result.rows.push(row);
      result.texts.push(text);
      result.sizes.push(Buffer.byteLength(text));
    }
  }
  return result;
}

/**
 * Each text parsed and hashed once per message, however many routes map it (Keeper: the Sentinel stream and
 * Keeper_CL); the mappers never change a parsed record, and the cache goes with the message's texts array.
 */
const inputsByTexts = new WeakMap<readonly string[], RecordInput[]>();

function recordInputs(texts: readonly string[], { envelope }: RecordContext): RecordInput[] {
  let inputs = inputsByTexts.get(texts);
  if (!inputs) {
    inputs = texts.map((text) => {
      const { record, rawNumbers }: ParsedRecord = parseRecordText(text);
      return { record, rawNumbers, eventId: eventId(envelope.workspaceId, envelope.logType, text) };
    });
    inputsByTexts.set(texts, inputs);
  }
  return inputs;
}

function keepOriginal({ overflow, sources, row }: RecordRow, column: string): void {
  const source = sources?.get(column) ?? { name: column, value: row[column] };
  if (!Object.hasOwn(overflow, source.name)) overflow[source.name] = source.value;
}

/** The lists the relay itself put in an overflow object (relay_truncated, relay_moved), extended in place. */
const relayLists = new WeakSet<object>();

/**
 * Sets one of the relay's own keys (relay_event_id, relay_truncated, …) in an object that also holds the sender's
 * properties. The relay sets each key once per record (its flag lists excepted), so a key already there is the
 * sender's: it is not overwritten but moved to `<name>_sent` (or a free variant).
 */
export function setRelayKey(target: RecordObject, key: string, value: unknown): void {
  if (Object.hasOwn(target, key) && !relayLists.has(target[key] as object)) {
    let free = `${key}_sent`;
    while (Object.hasOwn(target, free)) free += '_';
    target[free] = target[key];
  }
  target[key] = value;
}

function flag(overflow: RecordObject, key: string, column: string): void {
  const existing = overflow[key];
  const list = Array.isArray(existing) && relayLists.has(existing) ? (existing as string[]) : [];
  if (!list.includes(column)) list.push(column);
  if (list === existing) return;
  relayLists.add(list);
  setRelayKey(overflow, key, list);
}

/** Cuts string columns over 64 KB (the service would cut them silently); the original goes to the overflow value. */
function cutLongColumns(recordRow: RecordRow, mapper: RowMapper): boolean {
  let cut = false;
  for (const [column, value] of Object.entries(recordRow.row)) {
    if (typeof value !== 'string' || mapper.pinned.has(column) || !overLimit(value, MAX_FIELD_BYTES)) continue;
    keepOriginal(recordRow, column);
    recordRow.row[column] = truncateUtf8(value, MAX_FIELD_BYTES);
    flag(recordRow.overflow, 'relay_truncated', column);
    cut = true;
  }
  return cut;
}

/** Many long columns can add up past the 1 MB call: move the largest into the overflow value until the row fits. */
function moveColumnsUntilRowFits(recordRow: RecordRow, mapper: RowMapper): void {
  const { row } = recordRow;
  if (boundBytes(row) <= MAX_ROW_BASE_BYTES || jsonBytes(row) <= MAX_ROW_BASE_BYTES) return;
  const movable = Object.keys(row)
    .filter((column) => !mapper.pinned.has(column))
    .map((column) => ({ column, bytes: jsonBytes(row[column]) }))
    .sort((a, b) => b.bytes - a.bytes);
  let size = jsonBytes(row);
  for (const { column, bytes } of movable) {
    if (size <= MAX_ROW_BASE_BYTES) break;
    keepOriginal(recordRow, column);
    delete row[column];
    flag(recordRow.overflow, 'relay_moved', column);
    size -= bytes;
  }
}

/** An upper bound of a flat row's JSON bytes without serialising it (6 bytes per code unit covers any escape). */
function boundBytes(row: RecordObject): number {
  let bytes = 2;
  for (const column in row) {
    const value = row[column];
    bytes += column.length * 6 + 4 + (typeof value === 'string' ? value.length * 6 + 2 : value !== null && typeof value === 'object' ? Infinity : 32);
  }
  return bytes;
}

/**
 * The record's rows: one with the whole overflow value, or one per fragment of it. Almost every row is far below
 * the limits: the whole row's JSON, measured once, bounds its overflow value too (and is kept for the row's size).
 */
function placeOverflow(recordRow: RecordRow, mapper: RowMapper): RecordObject[] {
  const { row, overflow, eventId } = recordRow;
  const columnCount = Object.keys(row).length;
  mapper.place(row, { path: [], value: overflow }, 1, 1, eventId);
  const rowText = JSON.stringify(row);
  if (rowText.length * 3 <= MAX_FRAGMENT_BYTES || jsonBytes(overflow) <= MAX_FRAGMENT_BYTES) {
    recordRow.text = rowText;
    return [row];
  }
  // Too big: start again from the columns alone (placing only appended the overflow column).
  for (const column of Object.keys(row).slice(columnCount)) delete row[column];
  const fragments = splitValue(overflow, MAX_FRAGMENT_BYTES);
  const base = mapper.continuation(row);
  return fragments.map((fragment, i) => {
    const target = i === 0 ? row : { ...base };
    mapper.place(target, fragment, i + 1, fragments.length, eventId);
    return target;
  });
}

/**
 * The overflow value for routes whose overflow is one object (Keeper's `data`, a legacy table's extra column):
 * the whole object when it fits, else one fragment of it wrapped with its part number, path and offset, so the
 * sender's own property names never mix with the wrapper's. Reassembly: docs/migration.md.
 */
export function fragmentObject(fragment: Fragment, part: number, parts: number, ids: RecordObject = {}): RecordObject {
  if (parts === 1) return fragment.value as RecordObject;
  const offset = fragment.offset === undefined ? {} : { relay_offset: fragment.offset };
  return { ...ids, relay_part: part, relay_parts: parts, relay_path: fragment.path, ...offset, relay_value: fragment.value };
}
