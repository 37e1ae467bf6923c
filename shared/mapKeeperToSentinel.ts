import { eventId } from './eventId';
import { fitRow } from './fieldLimits';
import { normalizeKeeperEvent } from './keeperNormalize';
import { countUndeclared, type MappedRows } from './mappedRows';
import type { RecordContext } from './recordContext';
import type { RecordObject } from './recordRules';
import { STREAMS } from './streamSchemas';
import { chooseTimeGenerated, parseEventTime } from './timeGenerated';

const stream = STREAMS.keeperSentinel;
const DYNAMIC = new Set([stream.dynamicColumn]);

/**
 * Keeper events (shapes A, B, C) → the Sentinel Keeper solution's stream Custom-KeeperSecurityEventNewLogs:
 * envelope columns typed as the stream declares them, every other attribute in `data`, the relay's event id in
 * `data.relay_event_id`.
 */
export function mapKeeperToSentinel(records: readonly RecordObject[], { envelope, receivedAt }: RecordContext): MappedRows {
  const undeclared = new Map<string, number>();
  const rows: RecordObject[] = [];
  const sizes: number[] = [];
  let truncatedRows = 0;
  for (const record of records) {
    const event = normalizeKeeperEvent(record);
    const eventTime = parseEventTime(event.time);
    const candidate = envelope.timeGeneratedField ? record[envelope.timeGeneratedField] : event.time;
    const data: RecordObject = { ...event.attributes, relay_event_id: eventId(envelope.workspaceId, envelope.logType, record) };
    // An event time that is not a real time is kept as sent, in data, rather than lost.
    if (event.time !== undefined && !eventTime) data.timestamp_raw = event.time;
    for (const name in event.attributes) countUndeclared(undeclared, name);
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
    const fitted = fitRow(row, DYNAMIC);
    if (fitted.cut.length > 0) {
      truncatedRows++;
      (row.data as RecordObject).relay_truncated = fitted.cut;
      fitted.bytes += 64;
    }
    rows.push(row);
    sizes.push(fitted.bytes);
  }
  return { rows, sizes, undeclared, truncatedRows };
}
