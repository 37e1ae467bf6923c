import type { ColumnType as StreamColumnType, TableColumnType } from '../../shared/mapping/streamSchemas';

/**
 * The table type a stream column lands as when the transform does not convert it. Stream and table types share
 * names except datetime, which tables spell dateTime (Logs Ingestion API "Supported column types"; tables API
 * schema.columns.type).
 */
export function tableTypeOf(streamType: StreamColumnType): TableColumnType {
  return streamType === 'datetime' ? 'dateTime' : streamType;
}

/** The type a declared column has in its table: the declared `tableType`, else what its stream type lands as. */
export function columnTableType(column: { type: StreamColumnType; tableType?: TableColumnType }): TableColumnType {
  return column.tableType ?? tableTypeOf(column.type);
}

/**
 * The KQL conversion function producing each table type. Azure Monitor checks a transform's output types against
 * the destination table when the DCR is written and refuses a mismatch (InvalidTransformOutput, e.g. produced
 * 'String', output 'Guid'), so a column whose table type differs from its stream type must be converted.
 */
export const CAST_FUNCTION: Readonly<Record<TableColumnType, string>> = {
  string: 'tostring',
  int: 'toint',
  long: 'tolong',
  real: 'toreal',
  boolean: 'tobool',
  dateTime: 'todatetime',
  guid: 'toguid',
  dynamic: 'todynamic',
};

/** The cast a column needs, or undefined when its stream type already lands as the table type. */
export function castFor(streamType: StreamColumnType, tableType: TableColumnType): string | undefined {
  return tableTypeOf(streamType) === tableType ? undefined : CAST_FUNCTION[tableType];
}
