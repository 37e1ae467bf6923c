/**
 * The Logs Ingestion API truncates a field value over 64 KB and refuses a request over 1 MB; the SDK sends a record
 * larger than that alone, to fail with 413 forever. The relay fits values itself and flags what it cut.
 */
export const MAX_FIELD_BYTES = 64 * 1024;
/** The SDK's chunk limit (sum of records' JSON bytes), minus room for the row's other columns. */
export const MAX_ROW_BYTES = 1_000_000 - 4096;

const TRUNCATION_MARK = '…[truncated by relay]';

/** A string cut to the byte limit on a character boundary, with a visible mark. */
export function truncateUtf8(value: string, maxBytes: number): string {
  const budget = maxBytes - Buffer.byteLength(TRUNCATION_MARK);
  let cut = Buffer.from(value, 'utf8').subarray(0, budget).toString('utf8');
  // A cut through a multi-byte character decodes to U+FFFD: drop it.
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return cut + TRUNCATION_MARK;
}

/** Cheap first: a string of n UTF-16 units is at most 3n UTF-8 bytes. */
function overLimit(value: string, maxBytes: number): boolean {
  return value.length * 3 > maxBytes && Buffer.byteLength(value) > maxBytes;
}

export function fitString(value: string, maxBytes = MAX_FIELD_BYTES): { value: string; truncated: boolean } {
  return overLimit(value, maxBytes) ? { value: truncateUtf8(value, maxBytes), truncated: true } : { value, truncated: false };
}

/** Cuts the longest string leaves of a JSON value until its JSON text fits; a value still too big becomes text. */
export function fitDynamic(value: unknown, maxBytes = MAX_FIELD_BYTES): { value: unknown; truncated: boolean } {
  let json = JSON.stringify(value) ?? 'null';
  if (!overLimit(json, maxBytes)) return { value, truncated: false };
  const copy: unknown = JSON.parse(json);
  for (let pass = 0; pass < 32 && overLimit(json, maxBytes); pass++) {
    const leaves = stringLeaves(copy);
    if (leaves.length === 0) break;
    leaves.sort((a, b) => b.length - a.length);
    const longest = leaves[0]!;
    const excess = Buffer.byteLength(json) - maxBytes;
    longest.set(truncateUtf8(longest.get(), Math.max(64, Buffer.byteLength(longest.get()) - excess - 1024)));
    json = JSON.stringify(copy);
  }
  if (overLimit(json, maxBytes)) return { value: truncateUtf8(json, maxBytes), truncated: true };
  return { value: copy, truncated: true };
}

interface Leaf {
  length: number;
  get(): string;
  set(v: string): void;
}

function stringLeaves(root: unknown): Leaf[] {
  const leaves: Leaf[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    const container = node as Record<string, unknown>;
    for (const key of Object.keys(container)) {
      const child = container[key];
      if (typeof child === 'string') {
        leaves.push({ length: child.length, get: () => container[key] as string, set: (v) => (container[key] = v) });
      } else if (child !== null && typeof child === 'object') stack.push(child);
    }
  }
  return leaves;
}

export interface FittedRow {
  /** Columns whose values were cut. */
  cut: string[];
  /** The row's JSON size in bytes, as the SDK measures it for its 1 MB chunks. */
  bytes: number;
}

/** Fits every string and dynamic column of a row; returns what it cut and the row's final JSON size. */
export function fitRow(row: Record<string, unknown>, dynamicColumns: ReadonlySet<string>): FittedRow {
  const json = JSON.stringify(row);
  // Almost every row: no value of a row this small can reach the field limit.
  if (json.length * 3 <= MAX_FIELD_BYTES) return { cut: [], bytes: Buffer.byteLength(json) };
  const cut: string[] = [];
  for (const [name, value] of Object.entries(row)) {
    if (typeof value === 'string') {
      const fitted = fitString(value);
      if (fitted.truncated) (row[name] = fitted.value), cut.push(name);
    } else if (dynamicColumns.has(name) && value !== null && typeof value === 'object') {
      const fitted = fitDynamic(value);
      if (fitted.truncated) (row[name] = fitted.value), cut.push(name);
    }
  }
  // Many long columns can still add up past the request limit: shrink the largest until the row fits.
  let size = Buffer.byteLength(JSON.stringify(row));
  while (size > MAX_ROW_BYTES) {
    const [name, value] = Object.entries(row)
      .filter((e): e is [string, string] => typeof e[1] === 'string')
      .sort((a, b) => b[1].length - a[1].length)[0] ?? [];
    if (!name || value === undefined || value.length < 1024) break;
    row[name] = truncateUtf8(value, Math.floor(Buffer.byteLength(value) / 2));
    if (!cut.includes(name)) cut.push(name);
    size = Buffer.byteLength(JSON.stringify(row));
  }
  return { cut, bytes: size };
}
