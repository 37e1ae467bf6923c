/**
 * How the retired Data Collector API named and typed a column from a JSON value the first time it saw a property:
 * string _s, boolean _b, number _d (double), ISO 8601 date/time _t, GUID-shaped string _g (stored with dashes);
 * nested objects and arrays as JSON text in _s; null values omitted; `Computer` kept without a suffix.
 */
const GUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

export interface LegacyColumn {
  column: string;
  value: string | number | boolean;
}

function withDashes(guid: string): string {
  const h = guid.replace(/-/g, '').toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The legacy column a property became, or undefined for a null value (the retired API omitted those). */
export function legacyColumn(name: string, value: unknown): LegacyColumn | undefined {
  if (value === null || value === undefined) return undefined;
  if (name === 'Computer') return { column: name, value: typeof value === 'string' ? value : JSON.stringify(value) };
  switch (typeof value) {
    case 'boolean':
      return { column: `${name}_b`, value };
    case 'number':
      return { column: `${name}_d`, value };
    case 'string':
      if (GUID.test(value)) return { column: `${name}_g`, value: withDashes(value) };
      if (ISO_DATETIME.test(value) && !Number.isNaN(Date.parse(value))) return { column: `${name}_t`, value: new Date(value).toISOString() };
      return { column: `${name}_s`, value };
    default:
      // JSON strings never became numbers, and nested values were stored as their JSON text.
      return { column: `${name}_s`, value: JSON.stringify(value) };
  }
}
