import { withUnholdableAsText } from './jsonNumbers';
import { mapRecords, type MappedRows, type RowMapper } from './mappedRows';
import type { RecordContext } from './recordContext';
import type { RecordObject } from '../ingest/recordRules';
import { STREAMS } from './streamSchemas';
import { chooseTimeGenerated } from './timeGenerated';

const RECORD = STREAMS.relayedLogs.dynamicColumn;

const genericMapper: RowMapper = {
  pinned: new Set(['TimeGenerated', 'EventId', RECORD]),
  toRow({ record, rawNumbers, eventId: id }, { envelope, receivedAt }) {
    const asText: string[] = [];
    const kept = rawNumbers ? (withUnholdableAsText(record, '', asText) as RecordObject) : record;
    const row: RecordObject = {
      TimeGenerated: chooseTimeGenerated(envelope.timeGeneratedField ? record[envelope.timeGeneratedField] : undefined, receivedAt),
      LogType: envelope.logType,
      ResourceId: envelope.resourceId,
      EventId: id,
      RequestId: envelope.requestId,
      SourceWorkspaceId: envelope.workspaceId,
      Truncated: false,
    };
    if (asText.length > 0) row.ValuesAsText = asText;
    // Every property lives in Record by design: none is drift (a Log-Type wanting columns gets a declared table).
    return { row, overflow: kept, undeclared: [], eventId: id };
  },
  place(row, fragment, part, parts) {
    if (parts > 1) {
      Object.assign(row, { Part: part, PartCount: parts, PartPath: fragment.path });
      if (fragment.offset !== undefined) row.PartOffset = fragment.offset;
    }
    row[RECORD] = fragment.value;
  },
  continuation: ({ TimeGenerated, LogType, ResourceId, EventId, RequestId, SourceWorkspaceId, Truncated }) => ({
    TimeGenerated,
    LogType,
    ResourceId,
    EventId,
    RequestId,
    SourceWorkspaceId,
    Truncated,
  }),
};

/**
 * Any Log-Type without a declared table → the catch-all stream Custom-RelayedLogs: the whole record in the
 * dynamic Record column, whatever it holds (nested objects, arrays, @timestamp-style names), never as text. A record
 * over the 64 KB value limit lands whole over several rows sharing its EventId (Part 1..PartCount).
 */
export function mapGeneric(texts: readonly string[], context: RecordContext): MappedRows {
  return mapRecords(genericMapper, texts, context);
}
