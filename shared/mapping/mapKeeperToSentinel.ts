import { isJsonNumber, numericValue, withUnholdableAsText } from './jsonNumbers';
import { normalizeKeeperEvent } from './keeperNormalize';
import { fragmentObject, mapRecords, setRelayKey, type MappedRows, type RowMapper } from './mappedRows';
import type { RecordContext } from './recordContext';
import type { RecordObject } from '../ingest/recordRules';
import { STREAMS } from './streamSchemas';
import { chooseTimeGenerated, inServiceWindow, parseEventTime } from './timeGenerated';

const DATA = STREAMS.keeperSentinel.dynamicColumn;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** The stream's `enterprise_id` is an int (32-bit): a larger id stays in data, exact, and is flagged. */
function intColumnValue(value: unknown): number | undefined {
  const n = isJsonNumber(value) ? numericValue(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX && (!isJsonNumber(value) || /^-?\d+$/.test(value.rawJSON)) ? n : undefined;
}

const sentinelMapper: RowMapper = {
  pinned: new Set(['TimeGenerated', DATA]),
  toRow({ record, rawNumbers, eventId: id }, { envelope, receivedAt }) {
    const event = normalizeKeeperEvent(record);
    const eventTime = parseEventTime(event.time);
    const candidate = envelope.timeGeneratedField ? record[envelope.timeGeneratedField] : eventTime;
    const asText: string[] = [];
    // The attributes object is the normaliser's own: it becomes `data` without a copy.
    const data = (rawNumbers ? withUnholdableAsText(event.attributes, '', asText) : event.attributes) as RecordObject;
    setRelayKey(data, 'relay_event_id', id);
    // Nothing the sender said is dropped: the x-ms-AzureResourceId header has no column in this stream.
    if (envelope.resourceId !== undefined) setRelayKey(data, 'relay_resource_id', envelope.resourceId);
    // An event time that is not a real time is kept as sent, in data, rather than lost.
    if (event.time !== undefined && !eventTime) setRelayKey(data, 'timestamp_raw', event.time);
    const enterpriseId = intColumnValue(event.enterprise_id);
    if (event.enterprise_id !== undefined && enterpriseId === undefined) {
      setRelayKey(data, 'enterprise_id', event.enterprise_id);
      setRelayKey(data, 'relay_not_in_column', ['enterprise_id']);
    }
    if (asText.length > 0) setRelayKey(data, 'relay_as_text', asText);
    const eventIso = eventTime?.toISOString();
    const row: RecordObject = {
      // The event's own time is the usual TimeGenerated: its ISO text is made once for both columns.
      TimeGenerated: candidate === eventTime && eventIso !== undefined && inServiceWindow(eventTime!, receivedAt) ? eventIso : chooseTimeGenerated(candidate, receivedAt),
      audit_event: event.audit_event,
      remote_address: event.remote_address,
      category: event.category,
      client_version: event.client_version,
      enterprise_id: enterpriseId,
      username: event.username,
      timestamp: eventIso,
    };
    // Every attribute lives in `data` by the Sentinel solution's design: none is drift (Keeper_CL counts its own).
    return { row, overflow: data, undeclared: [], eventId: id };
  },
  place(row, fragment, part, parts, id) {
    row[DATA] = fragmentObject(fragment, part, parts, parts > 1 ? { relay_event_id: id } : {});
  },
  // Continuation rows carry only the time and data, so rules and workbooks filtering on AuditEvent never count them twice.
  continuation: ({ TimeGenerated }) => ({ TimeGenerated }),
};

/**
 * Keeper events (shapes A, B, C) → the Sentinel Keeper solution's stream Custom-KeeperSecurityEventNewLogs:
 * envelope columns typed as the stream declares them, every other attribute in `data`, the relay's event id in
 * `data.relay_event_id`. An event whose data is over 64 KB continues in rows sharing that id (relay_part of relay_parts).
 */
export function mapKeeperToSentinel(texts: readonly string[], context: RecordContext): MappedRows {
  return mapRecords(sentinelMapper, texts, context);
}
