import type { RecordObject } from './recordRules';

/** What a mapper produced for one message: rows for one stream, and the properties it had to move (schema drift). */
export interface MappedRows {
  rows: RecordObject[];
  /** Each row's JSON size in bytes, measured while fitting it, so batching need not serialise it again. */
  sizes: number[];
  /** Property name → how many records carried it without a column of its own (moved to the dynamic column). */
  undeclared: Map<string, number>;
  truncatedRows: number;
}

export function countUndeclared(undeclared: Map<string, number>, name: string): void {
  undeclared.set(name, (undeclared.get(name) ?? 0) + 1);
}
