import type { Options as CsvOptions } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import { invalidData } from './legacyError';
import type { RecordObject } from './recordRules';

/**
 * Keeper's CSV export (Admin Console reports, S3 integration; keeper-events.md shape D): a header row such as
 * `audit_event,name,remote_address,category,client_version,timestamp,username,enterprise_id`, then one event a row,
 * `timestamp` in epoch milliseconds. Each row becomes a shape-A event: every column kept by its header name, empty
 * cells absent, `timestamp` as ISO 8601 text (as shape A and Keeper's JSON export carry it, so Keeper_CL gets
 * `timestamp_t` and not `timestamp_d`), `enterprise_id` an integer, Keeper's `*_new` flags booleans.
 */

/** csv-parse settings shared by the door (whole body) and the backfill tool (streamed file). */
export const KEEPER_CSV_OPTIONS = {
  bom: true,
  skip_empty_lines: true,
  // Row lengths are checked here, so the error names the row in Keeper's terms.
  relax_column_count: true,
  record_delimiter: ['\r\n', '\n'],
  info: true,
} as const satisfies CsvOptions;

/** Keeper's boolean attributes (keeper-events.md shape A); CSV has only text. */
const BOOLEAN_COLUMNS = new Set(['username_new', 'client_version_new']);
const FORBIDDEN_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
const EPOCH_MS = /^\d{1,15}$/;
const ISO_LIKE = /^\d{4}-\d{2}-\d{2}T/;
const INTEGER = /^-?\d{1,15}$/;

/** The header row's column names; refuses a header that cannot name Keeper events. */
export function keeperCsvHeader(cells: readonly string[]): string[] {
  const names = cells.map((c) => c.trim());
  const seen = new Set<string>();
  for (const name of names) {
    if (name === '') throw invalidData('CSV header (line 1): a column has no name.');
    if (FORBIDDEN_NAMES.has(name)) throw invalidData(`CSV header (line 1): the column name ${JSON.stringify(name)} is not allowed.`);
    if (seen.has(name)) throw invalidData(`CSV header (line 1): the column ${JSON.stringify(name)} appears twice.`);
    seen.add(name);
  }
  if (!seen.has('audit_event')) throw invalidData('CSV header (line 1): there is no audit_event column; is this a Keeper event export?');
  return names;
}

function typedCell(name: string, cell: string, line: number): unknown {
  if (name === 'timestamp') {
    if (EPOCH_MS.test(cell)) return new Date(Number(cell)).toISOString();
    // An export edited by hand may carry ISO text already; the event validation checks it.
    if (ISO_LIKE.test(cell)) return cell;
    throw invalidData(`CSV line ${line}: column "timestamp" is not epoch milliseconds.`);
  }
  if (name === 'enterprise_id') {
    if (INTEGER.test(cell)) return Number(cell);
    throw invalidData(`CSV line ${line}: column "enterprise_id" is not an integer.`);
  }
  if (BOOLEAN_COLUMNS.has(name) && (cell === 'true' || cell === 'false')) return cell === 'true';
  return cell;
}

/**
 * One data row as a shape-A event. `line` is the line the row ends on (a quoted cell may span lines).
 * Errors: InvalidDataFormat naming the line for more cells than the header, a timestamp that is not epoch
 * milliseconds, or an enterprise_id that is not an integer.
 */
export function keeperCsvRecord(header: readonly string[], cells: readonly string[], line: number): RecordObject {
  if (cells.length > header.length) {
    throw invalidData(`CSV line ${line}: the row has ${cells.length} cells but the header names ${header.length} columns.`);
  }
  const record: RecordObject = {};
  // Fewer cells than columns: the missing ones are absent, like empty cells.
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    if (cell === '') continue;
    record[header[i]!] = typedCell(header[i]!, cell, line);
  }
  return record;
}

/** The message for a csv-parse error: its kind and line, never the data around it. */
export function csvErrorText(error: unknown): string {
  // csv-parse's sync and stream builds each carry their own CsvError class: recognise it by its code.
  // Most codes start with CSV_, but not all (INVALID_OPENING_QUOTE): a CsvError is a code with a line count.
  const { code, lines: line } = error as { code?: unknown; lines?: unknown };
  if (typeof code !== 'string' || typeof line !== 'number') return 'CSV body could not be read.';
  const what: Record<string, string> = {
    INVALID_OPENING_QUOTE: 'a quote inside a cell that does not start with one (quote the whole cell and double the quotes in it)',
    CSV_QUOTE_NOT_CLOSED: 'a quoted cell is never closed',
    CSV_INVALID_CLOSING_QUOTE: 'a closing quote is followed by something other than a comma or line end',
    CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'a closing quote is followed by something other than a comma or line end',
  };
  // csv-parse counts a CR inside quotes as a line too, so the number can run ahead on such files.
  return `CSV line ${line}: ${what[code] ?? `the row cannot be read (${code})`}.`;
}

/** What csv-parse gives per row with `info: true`. */
export interface CsvParsedRow {
  record: string[];
  info: { empty_lines: number };
}

/**
 * Line numbers as an editor shows them (LF-counted) for successive rows: csv-parse's own count also counts a CR
 * inside a quoted cell as a line. Returns, for each row in order, the line it ends on.
 */
export function csvLineCounter(): (row: CsvParsedRow) => number {
  let rows = 0;
  let breaksInCells = 0;
  return ({ record, info }) => {
    rows++;
    for (const cell of record) for (let i = cell.indexOf('\n'); i !== -1; i = cell.indexOf('\n', i + 1)) breaksInCells++;
    return rows + breaksInCells + info.empty_lines;
  };
}

/** A whole CSV export → shape-A events. Errors: InvalidDataFormat naming the line (see keeperCsvRecord). */
export function parseKeeperCsv(text: string): RecordObject[] {
  let rows: CsvParsedRow[];
  try {
    rows = parse(text, KEEPER_CSV_OPTIONS) as unknown as CsvParsedRow[];
  } catch (error) {
    throw invalidData(csvErrorText(error));
  }
  if (rows.length === 0) return [];
  const lineOf = csvLineCounter();
  lineOf(rows[0]!);
  const header = keeperCsvHeader(rows[0]!.record);
  const records: RecordObject[] = [];
  for (let i = 1; i < rows.length; i++) records.push(keeperCsvRecord(header, rows[i]!.record, lineOf(rows[i]!)));
  return records;
}

/** A CSV cell as RFC 4180 writes it: quoted when it holds a comma, quote or line break. */
export function csvCell(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}
