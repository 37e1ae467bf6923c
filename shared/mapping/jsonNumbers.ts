/**
 * Numbers as the sender wrote them. JSON.parse turns `3.0` into 3 (a long in a dynamic column, where `3.5` is a real)
 * and `9007199254740993` into 9007199254740992; the relay keeps such numbers as JSON.rawJSON values, which
 * JSON.stringify (and so the Logs Ingestion SDK) writes back exactly as they came. Kusto stores a dynamic number as
 * long (64-bit) when it is written as an integer and as real otherwise
 * (https://learn.microsoft.com/kusto/query/scalar-data-types/dynamic), so the written form is the type.
 */

declare global {
  // ES2024 JSON.parse source text access (V8 11.4, Node 21+); not yet in TypeScript's lib.
  interface JSON {
    rawJSON(text: string): { readonly rawJSON: string };
    isRawJSON(value: unknown): boolean;
  }
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
const INTEGER = /^-?\d+$/;

/** A number kept in its sender's form (a frozen `{ rawJSON }` object from JSON.rawJSON). */
export interface JsonNumber {
  readonly rawJSON: string;
}

export function isJsonNumber(value: unknown): value is JsonNumber {
  return JSON.isRawJSON(value);
}

/** Whether the number text survives JSON.parse + JSON.stringify as written (so `2.50`, `3.0`, `1e3` do not). */
export function roundTrips(text: string): boolean {
  return String(Number(text)) === text;
}

/** Whether a column or dynamic value can hold the number as written: an integer within 64 bits, or a finite real. */
export function holdable(text: string): boolean {
  if (INTEGER.test(text)) {
    const n = BigInt(text);
    return n >= INT64_MIN && n <= INT64_MAX;
  }
  return Number.isFinite(Number(text));
}

/** The parsed number as the sender wrote it: a plain number when that loses nothing, else a raw JSON number. */
export function senderNumber(text: string): number | JsonNumber {
  return roundTrips(text) ? Number(text) : JSON.rawJSON(text);
}

/** The number's value as a double (what a `real` or `_d` column stores). */
export function numericValue(value: number | JsonNumber): number {
  return typeof value === 'number' ? value : Number(value.rawJSON);
}

/** Whether a real column holds the number exactly (its sender's text and the double denote the same value). */
export function exactAsReal(value: number | JsonNumber): boolean {
  if (typeof value === 'number') return true;
  const text = value.rawJSON;
  const n = Number(text);
  if (!Number.isFinite(n)) return false;
  return INTEGER.test(text) ? Number.isSafeInteger(n) : true;
}

/**
 * The value with every number no destination can hold (out of double range such as `1e400`, or an integer beyond
 * 64 bits) replaced by its text, and the paths of those values pushed to `asText`. Walks only when the record has
 * raw numbers; returns the same object when nothing changed.
 */
export function withUnholdableAsText(value: unknown, path: string, asText: string[]): unknown {
  if (isJsonNumber(value)) {
    if (holdable(value.rawJSON)) return value;
    asText.push(path);
    return value.rawJSON;
  }
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((child, i) => {
      const kept = withUnholdableAsText(child, `${path}[${i}]`, asText);
      if (kept !== child) (copy ??= [...value])[i] = kept;
    });
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key];
    const kept = withUnholdableAsText(child, path === '' ? key : `${path}.${key}`, asText);
    if (kept !== child) (copy ??= { ...(value as Record<string, unknown>) })[key] = kept;
  }
  return copy ?? value;
}
