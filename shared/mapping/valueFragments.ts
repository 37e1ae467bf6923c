import { isJsonNumber } from './jsonNumbers';

/**
 * Lossless splitting of a JSON value too big for one 64 KB column value: into fragments that each fit, and back.
 * An object is split into subsets of its properties, an array into slices, a string into chunks; a property or
 * element too big on its own is split further at its own path. Fragments are emitted in document order, so string
 * chunks and array slices arrive in order. docs/migration.md has the KQL that reassembles them.
 */

export type FragmentPath = (string | number)[];

export interface Fragment {
  /** Where the fragment's value belongs, from the root: property names and array indexes. */
  path: FragmentPath;
  /** For an array slice: the index of its first element; for a string chunk: its first UTF-16 code unit. */
  offset?: number;
  /** An object subset (merged into the object at `path`), an array slice, a string chunk, or the whole value. */
  value: unknown;
}

/** UTF-8 bytes of a value's JSON text. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? 'null');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !isJsonNumber(value);
}

/**
 * The fragments of `value`, each of whose value plus path is at most `maxBytes` of JSON (the path counts, since it
 * travels with the fragment). Throws only if a path alone leaves no room, which the doors' name and depth limits
 * rule out (31 names of at most 500 characters).
 */
export function splitValue(value: unknown, maxBytes: number): Fragment[] {
  const fragments: Fragment[] = [];
  splitAt(value, [], maxBytes, fragments);
  return fragments;
}

function budgetAt(path: FragmentPath, maxBytes: number): number {
  const budget = maxBytes - jsonBytes(path) - 32;
  if (budget < 64) throw new Error(`value path ${JSON.stringify(path).slice(0, 200)} is too long to split at`);
  return budget;
}

function splitAt(value: unknown, path: FragmentPath, maxBytes: number, out: Fragment[]): void {
  const budget = budgetAt(path, maxBytes);
  if (jsonBytes(value) <= budget) out.push({ path, value });
  else if (Array.isArray(value)) splitArray(value, path, budget, maxBytes, out);
  else if (isPlainObject(value)) splitObject(value, path, budget, maxBytes, out);
  else if (typeof value === 'string') splitString(value, path, budget, out);
  // Numbers, booleans and null are a few bytes: always within budget.
  else out.push({ path, value });
}

function splitArray(value: unknown[], path: FragmentPath, budget: number, maxBytes: number, out: Fragment[]): void {
  let slice: unknown[] = [];
  let sliceBytes = 2;
  let offset = 0;
  const flush = (next: number) => {
    if (slice.length > 0) out.push({ path, offset, value: slice });
    slice = [];
    sliceBytes = 2;
    offset = next;
  };
  value.forEach((element, i) => {
    const bytes = jsonBytes(element) + 1;
    if (bytes + 2 > budget) {
      flush(i + 1);
      splitAt(element, [...path, i], maxBytes, out);
      return;
    }
    if (sliceBytes + bytes > budget) flush(i);
    slice.push(element);
    sliceBytes += bytes;
  });
  flush(value.length);
}

function splitObject(value: Record<string, unknown>, path: FragmentPath, budget: number, maxBytes: number, out: Fragment[]): void {
  let subset: Record<string, unknown> = {};
  let subsetBytes = 2;
  const flush = () => {
    if (Object.keys(subset).length > 0) out.push({ path, value: subset });
    subset = {};
    subsetBytes = 2;
  };
  for (const key of Object.keys(value)) {
    const bytes = jsonBytes(key) + 1 + jsonBytes(value[key]) + 1;
    if (bytes + 2 > budget) {
      flush();
      splitAt(value[key], [...path, key], maxBytes, out);
      continue;
    }
    if (subsetBytes + bytes > budget) flush();
    subset[key] = value[key];
    subsetBytes += bytes;
  }
  flush();
}

/** Chunks on code point boundaries, each at most `budget` bytes as a JSON string (escapes included). */
function splitString(value: string, path: FragmentPath, budget: number, out: Fragment[]): void {
  let start = 0;
  while (start < value.length) {
    // An escaped code unit takes at most 6 bytes: that many always fit; search for the longest chunk that does.
    let lo = Math.min(value.length, start + Math.max(1, Math.floor((budget - 2) / 6)));
    let hi = Math.min(value.length, start + budget);
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (jsonBytes(value.slice(start, mid)) <= budget) lo = mid;
      else hi = mid - 1;
    }
    let end = lo;
    // Never end between the two halves of a surrogate pair.
    if (end < value.length && end > start + 1 && isHighSurrogate(value.charCodeAt(end - 1))) end--;
    out.push({ path, offset: start, value: value.slice(start, end) });
    start = end;
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** The value the fragments came from (the inverse of splitValue, given its fragments in order). */
export function reassemble(fragments: readonly Fragment[]): unknown {
  let root: unknown;
  for (const fragment of fragments) root = place(root, fragment.path, fragment);
  return root;
}

function place(node: unknown, path: FragmentPath, fragment: Fragment): unknown {
  if (path.length === 0) return merge(node, fragment);
  const [key, ...rest] = path;
  const container = (node ?? (typeof key === 'number' ? [] : {})) as Record<string | number, unknown>;
  // Own properties only: a record may well have a property called valueOf or toString.
  container[key!] = place(Object.hasOwn(container, key!) ? container[key!] : undefined, rest, fragment);
  return container;
}

function merge(node: unknown, { offset, value }: Fragment): unknown {
  if (offset === undefined) return isPlainObject(value) && isPlainObject(node) ? Object.assign(node, value) : value;
  if (typeof value === 'string') return (typeof node === 'string' ? node : '') + value;
  const array = Array.isArray(node) ? node : [];
  (value as unknown[]).forEach((element, i) => (array[offset + i] = element));
  return array;
}
