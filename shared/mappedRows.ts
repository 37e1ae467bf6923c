import { fitRow } from './fieldLimits';
import type { RecordContext } from './recordContext';
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

/** How one route turns one record into one row of its stream. */
export interface RowMapper {
  /** The stream's dynamic columns, whose values are fitted as JSON. */
  dynamicColumns: ReadonlySet<string>;
  /** The row, and the record's properties that have no column of their own in it. */
  toRow(record: RecordObject, context: RecordContext): { row: RecordObject; undeclared: Iterable<string> };
  /** Marks a row whose values were cut to the field limits, in the way its stream can show. */
  flagTruncated(row: RecordObject, cut: string[]): void;
}

/** Maps every record, fits each row to the service's limits and counts what had no column. */
export function mapRecords(mapper: RowMapper, records: readonly RecordObject[], context: RecordContext): MappedRows {
  const result: MappedRows = { rows: [], sizes: [], undeclared: new Map(), truncatedRows: 0 };
  for (const record of records) {
    const { row, undeclared } = mapper.toRow(record, context);
    for (const name of undeclared) result.undeclared.set(name, (result.undeclared.get(name) ?? 0) + 1);
    const fitted = fitRow(row, mapper.dynamicColumns);
    if (fitted.cut.length > 0) {
      mapper.flagTruncated(row, fitted.cut);
      result.truncatedRows++;
      // The flag itself is a few bytes more than what was measured.
      fitted.bytes += 64;
    }
    result.rows.push(row);
    result.sizes.push(fitted.bytes);
  }
  return result;
}
