import { eventId } from './eventId';
import { fitRow } from './fieldLimits';
import { countUndeclared, type MappedRows } from './mappedRows';
import type { RecordContext } from './recordContext';
import type { RecordObject } from './recordRules';
import { STREAMS } from './streamSchemas';
import { chooseTimeGenerated } from './timeGenerated';

const stream = STREAMS.relayedLogs;
const DYNAMIC = new Set([stream.dynamicColumn]);

/**
 * Any other Log-Type → the catch-all stream Custom-RelayedLogs: the whole record in the dynamic Record column,
 * whatever it holds (nested objects, arrays, @timestamp-style names), so no sender's data is lost.
 */
export function mapGeneric(records: readonly RecordObject[], { envelope, receivedAt }: RecordContext): MappedRows {
  const undeclared = new Map<string, number>();
  const rows: RecordObject[] = [];
  const sizes: number[] = [];
  let truncatedRows = 0;
  for (const record of records) {
    for (const name in record) countUndeclared(undeclared, name);
    const row: RecordObject = {
      TimeGenerated: chooseTimeGenerated(envelope.timeGeneratedField ? record[envelope.timeGeneratedField] : undefined, receivedAt),
      LogType: envelope.logType,
      ResourceId: envelope.resourceId,
      EventId: eventId(envelope.workspaceId, envelope.logType, record),
      RequestId: envelope.requestId,
      SourceWorkspaceId: envelope.workspaceId,
      Truncated: false,
      Record: record,
    };
    const fitted = fitRow(row, DYNAMIC);
    if (fitted.cut.length > 0) {
      row.Truncated = true;
      truncatedRows++;
    }
    rows.push(row);
    sizes.push(fitted.bytes);
  }
  return { rows, sizes, undeclared, truncatedRows };
}
