import { exactAsReal, isJsonNumber, numericValue, type JsonNumber } from './jsonNumbers';

/**
 * How the retired Data Collector API named and typed a column from a JSON value the first time it saw a property:
 * string _s, boolean _b, number _d (double), ISO 8601 date/time _t, GUID-shaped string _g (stored with dashes);
 * nested objects and arrays as JSON text in _s; null values omitted; `Computer` kept without a suffix. A name lost
 * its characters other than letters, digits and underscore (`@timestamp` became `timestamp_t`); column names start
 * with a letter and have at most 45 characters (see ../shared/reference/legacy-api.md).
 */
const GUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
export const MAX_COLUMN_NAME_LENGTH = 45;

export type LegacySuffix = '_s' | '_d' | '_b' | '_t' | '_g' | '';

export interface LegacyColumn {
  column: string;
  /** The column's value; undefined when the column cannot hold it (a number out of double range). */
  value: string | number | boolean | undefined;
  /** A number the column holds only approximately or not at all: kept as its text elsewhere, and flagged. */
  inexactText?: string;
}

function withDashes(guid: string): string {
  const h = guid.replace(/-/g, '').toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Senders repeat the same few dozen names: each is cleaned once (bounded, so invented names cannot grow it). */
const baseNames = new Map<string, string | undefined>();
const BASE_NAMES_CAP = 10_000;

/** The column name a property became without its suffix, or undefined if it cannot become a column. */
export function legacyBaseName(name: string): string | undefined {
  if (baseNames.has(name)) return baseNames.get(name);
  const cleaned = name.replace(/[^A-Za-z0-9_]/g, '');
  const base = /^[A-Za-z]/.test(cleaned) && cleaned.length + 2 <= MAX_COLUMN_NAME_LENGTH ? cleaned : undefined;
  if (baseNames.size < BASE_NAMES_CAP) baseNames.set(name, base);
  return base;
}

function numberColumn(base: string, value: number | JsonNumber): LegacyColumn {
  const n = numericValue(value);
  if (!Number.isFinite(n)) return { column: `${base}_d`, value: undefined, inexactText: (value as JsonNumber).rawJSON };
  return { column: `${base}_d`, value: n, ...(exactAsReal(value) ? {} : { inexactText: (value as JsonNumber).rawJSON }) };
}

/** The suffix the retired API gave a JSON value, or undefined for null (omitted). */
export function legacySuffix(name: string, value: unknown): LegacySuffix | undefined {
  if (value === null || value === undefined) return undefined;
  if (name === 'Computer') return '';
  if (typeof value === 'number' || isJsonNumber(value)) return '_d';
  if (typeof value === 'boolean') return '_b';
  if (typeof value === 'string') return GUID.test(value) ? '_g' : ISO_DATETIME.test(value) && !Number.isNaN(Date.parse(value)) ? '_t' : '_s';
  return '_s';
}

/**
 * The legacy column a property became, or undefined for a null value (the retired API omitted those) or a name
 * that cannot become a column (kept in the extra-properties column by the mapper).
 */
export function legacyColumn(name: string, value: unknown): LegacyColumn | undefined {
  const suffix = legacySuffix(name, value);
  if (suffix === undefined) return undefined;
  if (suffix === '') return { column: name, value: typeof value === 'string' ? value : JSON.stringify(value) };
  const base = legacyBaseName(name);
  if (base === undefined) return undefined;
  switch (suffix) {
    case '_d':
      return numberColumn(base, value as number | JsonNumber);
    case '_b':
      return { column: `${base}_b`, value: value as boolean };
    case '_g':
      return { column: `${base}_g`, value: withDashes(value as string) };
    case '_t':
      return { column: `${base}_t`, value: new Date(value as string).toISOString() };
    default:
      // JSON strings never became numbers, and nested values were stored as their JSON text (numbers as sent).
      return { column: `${base}_s`, value: typeof value === 'string' ? value : JSON.stringify(value) };
  }
}
