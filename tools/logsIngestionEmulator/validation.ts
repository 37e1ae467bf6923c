import { MAX_FIELD_BYTES, TIME_GENERATED_MAX_AGE_MS, TIME_GENERATED_MAX_AHEAD_MS } from './limits';
import { rawNumberText } from './numberForms';
import type { StreamColumnType, StreamSchema } from './streams';

/**
 * What the real service does to each row, without telling the caller: it answers 204 and stores what fits the
 * stream declaration. The emulator stores the same and reports everything that was lost, so tests can see it.
 */
export interface RowLosses {
  /** Properties the stream does not declare (dropped from the row), by property name. */
  undeclaredProperties: Record<string, number>;
  /** Values whose JSON type does not fit the declared column type (stored as null), by column. */
  typeMismatches: Record<string, number>;
  /** Values over 64 KB (truncated), by column. */
  truncatedValues: Record<string, number>;
  /** Rows whose TimeGenerated is outside the service's window (more than 2 days old or 1 day ahead). */
  staleTimeGenerated: number;
}

export interface ValidatedBatch {
  rows: Record<string, unknown>[];
  losses: RowLosses;
}

export interface ValidationOptions {
  /** Receive time, for the TimeGenerated window. */
  now: number;
  /** Do what the service does with an out-of-window TimeGenerated (replace it); otherwise only count it. */
  replaceStaleTimeGenerated: boolean;
}

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/**
 * ISO 8601 date or date-time, optionally with fraction and zone. Deliberately the ISO form only: the relay is
 * supposed to send ISO timestamps, so anything else (epoch numbers, RFC 1123) is reported as a mismatch.
 */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

export function isIsoDateTime(value: string): boolean {
  return ISO_8601.test(value) && !Number.isNaN(Date.parse(value));
}

const INTEGER_TEXT = /^-?\d+$/;

/** A number kept as written (numberForms.ts): whether the column type holds it exactly. */
function rawNumberFits(text: string, type: StreamColumnType): boolean {
  switch (type) {
    case 'int':
      return INTEGER_TEXT.test(text) && BigInt(text) >= BigInt(INT32_MIN) && BigInt(text) <= BigInt(INT32_MAX);
    case 'long':
      return INTEGER_TEXT.test(text) && BigInt(text) >= -(2n ** 63n) && BigInt(text) < 2n ** 63n;
    case 'real':
      return Number.isFinite(Number(text));
    case 'dynamic':
      return Number.isFinite(Number(text)) || INTEGER_TEXT.test(text);
    default:
      return false;
  }
}

/** Whether a (non-null) JSON value fits a DCR column type; null fits every type and is never a loss. */
export function fitsColumnType(value: unknown, type: StreamColumnType): boolean {
  const raw = rawNumberText(value);
  if (raw !== undefined) return rawNumberFits(raw, type);
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX;
    case 'long':
      return typeof value === 'number' && Number.isInteger(value);
    case 'real':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'datetime':
      return typeof value === 'string' && isIsoDateTime(value);
    case 'dynamic':
      return true;
  }
}

/** Cut a string to at most maxBytes of UTF-8 without splitting a character. */
export function truncateUtf8(value: string, maxBytes: number): string {
  // Cheap first (most values): n UTF-16 units are at most 3n bytes, and byteLength copies nothing.
  if (value.length * 3 <= maxBytes || Buffer.byteLength(value, 'utf8') <= maxBytes) return value;
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length <= maxBytes) return value;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) so the cut lands on a character boundary.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

/**
 * A value over the 64 KB field limit, truncated the way a query would then see it. A dynamic object or array is
 * measured as its JSON text; once cut it is no longer valid JSON, so it is stored as the cut text.
 */
function limitFieldSize(value: unknown): { value: unknown; truncated: boolean } {
  if (typeof value === 'string') {
    const cut = truncateUtf8(value, MAX_FIELD_BYTES);
    return { value: cut, truncated: cut !== value };
  }
  if (value !== null && typeof value === 'object') {
    const text = JSON.stringify(value);
    if (Buffer.byteLength(text, 'utf8') > MAX_FIELD_BYTES) return { value: truncateUtf8(text, MAX_FIELD_BYTES), truncated: true };
  }
  return { value, truncated: false };
}

function count(counter: Record<string, number>, key: string): void {
  counter[key] = (counter[key] ?? 0) + 1;
}

function isStale(value: unknown, now: number): boolean {
  if (typeof value !== 'string' || !isIsoDateTime(value)) return false;
  const at = Date.parse(value);
  return at < now - TIME_GENERATED_MAX_AGE_MS || at > now + TIME_GENERATED_MAX_AHEAD_MS;
}

/** The rows as the service would store them, plus what it silently lost doing so. */
export function validateRows(schema: StreamSchema, input: readonly Record<string, unknown>[], options: ValidationOptions): ValidatedBatch {
  const columns = new Map(schema.columns.map((column) => [column.name, column.type]));
  const losses: RowLosses = { undeclaredProperties: {}, typeMismatches: {}, truncatedValues: {}, staleTimeGenerated: 0 };
  const rows = input.map((record) => {
    const row: Record<string, unknown> = {};
    for (const [name, raw] of Object.entries(record)) {
      const type = columns.get(name);
      if (type === undefined) {
        count(losses.undeclaredProperties, name);
        continue;
      }
      if (raw === null) {
        row[name] = null;
        continue;
      }
      if (!fitsColumnType(raw, type)) {
        count(losses.typeMismatches, name);
        row[name] = null;
        continue;
      }
      const limited = limitFieldSize(raw);
      if (limited.truncated) count(losses.truncatedValues, name);
      row[name] = limited.value;
    }
    if (columns.get('TimeGenerated') === 'datetime' && isStale(row.TimeGenerated, options.now)) {
      losses.staleTimeGenerated++;
      if (options.replaceStaleTimeGenerated) row.TimeGenerated = new Date(options.now).toISOString();
    }
    return row;
  });
  return { rows, losses };
}
