import { eventId } from './eventId';
import { normalizeKeeperEvent } from './keeperNormalize';
import { mapRecords, type MappedRows, type RowMapper } from './mappedRows';
import type { RecordContext } from './recordContext';
import type { RecordObject } from './recordRules';
import { STREAMS } from './streamSchemas';
import { chooseTimeGenerated, parseEventTime } from './timeGenerated';

const sentinelMapper: RowMapper = {
  dynamicColumns: new Set([STREAMS.keeperSentinel.dynamicColumn]),
  toRow(record, { envelope, receivedAt }) {
    const event = normalizeKeeperEvent(record);
    const eventTime = parseEventTime(event.time);
    const candidate = envelope.timeGeneratedField ? record[envelope.timeGeneratedField] : eventTime;
    const undeclared = Object.keys(event.attributes);
    // The attributes object is the normaliser's own: it becomes `data` without a copy.
    const data: RecordObject = event.attributes;
    data.relay_event_id = eventId(envelope.workspaceId, envelope.logType, record);
    // An event time that is not a real time is kept as sent, in data, rather than lost.
    if (event.time !== undefined && !eventTime) data.timestamp_raw = event.time;
    const row: RecordObject = {
      TimeGenerated: chooseTimeGenerated(candidate, receivedAt),
      audit_event: event.audit_event,
      remote_address: event.remote_address,
      category: event.category,
      client_version: event.client_version,
      enterprise_id: event.enterprise_id,
      username: event.username,
      timestamp: eventTime?.toISOString(),
      data,
    };
    return { row, undeclared };
  },
  flagTruncated(row, cut) {
    (row.data as RecordObject).relay_truncated = cut;
  },
};

/**
 * Keeper events (shapes A, B, C) → the Sentinel Keeper solution's stream Custom-KeeperSecurityEventNewLogs:
 * envelope columns typed as the stream declares them, every other attribute in `data`, the relay's event id in
 * `data.relay_event_id`.
 */
export function mapKeeperToSentinel(records: readonly RecordObject[], context: RecordContext): MappedRows {
  return mapRecords(sentinelMapper, records, context);
}
