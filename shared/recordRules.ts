import { invalidData } from './legacyError';

/**
 * Structural rules every record obeys, whatever its Log-Type.
 *
 * Property names: the retired service turned a top-level name into a column by dropping characters other than
 * letters, digits and underscore (fluent-bit's default `@timestamp` became `timestamp_t`), so it refused only names
 * that cannot become a column at all: empty, without a letter, digit or underscore, with control characters, or
 * absurdly long. Nested names were stored inside JSON text and are free, apart from the prototype keys below.
 */
export const MAX_DEPTH = 32;
export const MAX_NAME_LENGTH = 500;
export const RESERVED_NAMES = ['tenant', 'TimeGenerated', 'RawData'] as const;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const RESERVED = new Map(RESERVED_NAMES.map((n) => [n.toLowerCase(), n]));
const HAS_WORD_CHAR = /[\p{L}\p{N}_]/u;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

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

function topLevelNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_NAME_LENGTH) return `is longer than ${MAX_NAME_LENGTH} characters`;
  if (CONTROL.test(name)) return 'contains control characters';
  if (!HAS_WORD_CHAR.test(name)) return 'has no letter, digit or underscore, so it cannot become a column';
  return undefined;
}

export interface RecordRuleOptions {
  /** Keeper's Azure Monitor format (shape B) carries its own TimeGenerated. */
  allowTimeGenerated?: boolean;
}

/** Checks one record; throws InvalidDataFormat naming the record index and the property. */
export function checkRecord(record: unknown, index: number, options: RecordRuleOptions = {}): asserts record is RecordObject {
  if (!isPlainObject(record)) throw invalidData(`Record ${index} is ${describe(record)}, not a JSON object.`);
  for (const name of Object.keys(record)) {
    const problem = topLevelNameProblem(name);
    if (problem) throw invalidData(`Record ${index}: property name ${quote(name)} ${problem}.`);
    const reserved = RESERVED.get(name.toLowerCase());
    if (reserved && !(reserved === 'TimeGenerated' && options.allowTimeGenerated)) {
      throw invalidData(`Record ${index}: property ${quote(name)} uses the reserved name ${reserved}.`);
    }
  }
  checkNesting(record, index);
}

/** Iterative walk: JSON.parse accepts nesting far deeper than any recursion could follow. */
function checkNesting(record: RecordObject, index: number): void {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: record, path: '', depth: 1 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (Array.isArray(value)) {
      if (depth > MAX_DEPTH) throw tooDeep(index, path);
      for (let i = 0; i < value.length; i++) {
        const child = value[i];
        if (typeof child === 'object' && child !== null) stack.push({ value: child, path: `${path}[${i}]`, depth: depth + 1 });
      }
    } else if (typeof value === 'object' && value !== null) {
      if (depth > MAX_DEPTH) throw tooDeep(index, path);
      for (const key of Object.keys(value)) {
        const childPath = path === '' ? key : `${path}.${key}`;
        if (FORBIDDEN_KEYS.has(key)) throw invalidData(`Record ${index}: property ${quote(childPath)} is not allowed (${key}).`);
        const child = (value as RecordObject)[key];
        if (typeof child === 'object' && child !== null) stack.push({ value: child, path: childPath, depth: depth + 1 });
      }
    }
  }
}

function tooDeep(index: number, path: string): Error {
  return invalidData(`Record ${index}: property ${quote(path)} nests deeper than ${MAX_DEPTH} levels.`);
}
