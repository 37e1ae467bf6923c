import { invalidData } from './legacyError';

/**
 * Structural rules every record obeys, whatever its Log-Type.
 *
 * Property names: the retired service turned a top-level name into a column by dropping characters other than
 * letters, digits and underscore (fluent-bit's default `@timestamp` became `timestamp_t`). A name that cannot become
 * a column (empty, symbols only) is kept: the record lands with it in the route's extra or dynamic column, counted as
 * drift; so is one with control characters (it is JSON-escaped wherever it is written or logged). Refused, at any
 * depth, is only what cannot be kept or is hostile: prototype keys and names whose JSON text is over 1,000 bytes
 * (a split record carries the path of up to 32 names to each part within one 64 KB value: 32 KB at most).
 */
export const MAX_DEPTH = 32;
/** Bytes of a name's JSON text (quotes and escapes included, so a control character counts 6). */
export const MAX_NAME_JSON_BYTES = 1_000;
export const RESERVED_NAMES = ['tenant', 'TimeGenerated', 'RawData'] as const;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const RESERVED = new Map(RESERVED_NAMES.map((n) => [n.toLowerCase(), n]));

export type RecordObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is RecordObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function quote(name: string): string {
  return JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}...` : name);
}

/** Why a property name cannot be kept at all, or undefined; shared with the property-based mapping test. */
export function nameProblem(name: string): string | undefined {
  // Cheap first: only a long name can be over the limit.
  if (name.length * 6 + 2 > MAX_NAME_JSON_BYTES && Buffer.byteLength(JSON.stringify(name)) > MAX_NAME_JSON_BYTES) {
    return `is longer than ${MAX_NAME_JSON_BYTES} bytes as JSON`;
  }
  return undefined;
}

export interface RecordRuleOptions {
  /** Keeper's Azure Monitor format (shape B) carries its own TimeGenerated. */
  allowTimeGenerated?: boolean;
}

/**
 * Names already found valid. Senders repeat the same few dozen names in every record, so each distinct name is
 * checked once; the cap keeps a caller inventing names from growing it without bound.
 */
const validNames = new Set<string>();
const VALID_NAMES_CAP = 10_000;

function checkName(name: string, index: number, options: RecordRuleOptions): void {
  if (validNames.has(name)) return;
  const problem = nameProblem(name);
  if (problem) throw invalidData(`Record ${index}: property name ${quote(name)} ${problem}.`);
  const reserved = RESERVED.get(name.toLowerCase());
  if (reserved && !(reserved === 'TimeGenerated' && options.allowTimeGenerated)) {
    throw invalidData(`Record ${index}: property ${quote(name)} uses the reserved name ${reserved}.`);
  }
  // TimeGenerated is valid only by option, so it is never remembered as valid for everyone.
  if (!reserved && !FORBIDDEN_KEYS.has(name) && validNames.size < VALID_NAMES_CAP) validNames.add(name);
}

/** Checks one record; throws InvalidDataFormat naming the record index and the property. */
export function checkRecord(record: unknown, index: number, options: RecordRuleOptions = {}): asserts record is RecordObject {
  if (!isPlainObject(record)) throw invalidData(`Record ${index} is ${describe(record)}, not a JSON object.`);
  for (const name in record) {
    checkName(name, index, options);
    if (FORBIDDEN_KEYS.has(name)) throw invalidData(`Record ${index}: property ${quote(name)} is not allowed (${name}).`);
    const child = record[name];
    if (typeof child === 'object' && child !== null) checkNesting(child, name, index);
  }
}

/** Iterative walk: JSON.parse accepts nesting far deeper than any recursion could follow. */
function checkNesting(root: object, rootPath: string, index: number): void {
  const stack: Array<{ value: object; path: string; depth: number }> = [{ value: root, path: rootPath, depth: 2 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (depth > MAX_DEPTH) throw tooDeep(index, path);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const child: unknown = value[i];
        if (typeof child === 'object' && child !== null) stack.push({ value: child, path: `${path}[${i}]`, depth: depth + 1 });
      }
    } else {
      for (const key in value) {
        const childPath = `${path}.${key}`;
        if (FORBIDDEN_KEYS.has(key)) throw invalidData(`Record ${index}: property ${quote(childPath)} is not allowed (${key}).`);
        const problem = nameProblem(key);
        if (problem) throw invalidData(`Record ${index}: property name ${quote(childPath)} ${problem}.`);
        const child = (value as RecordObject)[key];
        if (typeof child === 'object' && child !== null) stack.push({ value: child, path: childPath, depth: depth + 1 });
      }
    }
  }
}

function tooDeep(index: number, path: string): Error {
  return invalidData(`Record ${index}: property ${quote(path)} nests deeper than ${MAX_DEPTH} levels.`);
}
