import { eventId } from './eventId';
import { mapRecords, type MappedRows, type RowMapper } from './mappedRows';
import type { RecordContext } from './recordContext';
import type { RecordObject } from './recordRules';
import { STREAMS } from './streamSchemas';
import { chooseTimeGenerated } from './timeGenerated';

const genericMapper: RowMapper = {
  dynamicColumns: new Set([STREAMS.relayedLogs.dynamicColumn]),
  toRow(record, { envelope, receivedAt }) {
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
    // Every property lives in Record: the catch-all declares no column for any of them.
    return { row, undeclared: Object.keys(record) };
  },
  flagTruncated(row) {
    row.Truncated = true;
  },
};

/**
 * Any other Log-Type → the catch-all stream Custom-RelayedLogs: the whole record in the dynamic Record column,
 * whatever it holds (nested objects, arrays, @timestamp-style names), so no sender's data is lost.
 */
export function mapGeneric(records: readonly RecordObject[], context: RecordContext): MappedRows {
  return mapRecords(genericMapper, records, context);
}
