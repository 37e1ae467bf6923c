import { mapRecords, type MappedRows, type RowMapper } from './mappedRows';
import type { RecordContext } from './recordContext';
import type { RecordObject } from '../ingest/recordRules';
import { STREAMS } from './streamSchemas';

const PROBLEMS = STREAMS.relayHeartbeat.dynamicColumn;

const heartbeatMapper: RowMapper = {
  pinned: new Set(['TimeGenerated', 'HeartbeatId', PROBLEMS]),
  toRow({ record }, { receivedAt }) {
    const deliveredAt = new Date();
    const sentAt = typeof record.sentAt === 'string' ? new Date(record.sentAt) : receivedAt;
    const row: RecordObject = {
      TimeGenerated: sentAt.toISOString(),
      HeartbeatId: record.heartbeatId,
      Instance: record.instance,
      SentAt: sentAt.toISOString(),
      DeliveredAt: deliveredAt.toISOString(),
      LagSeconds: Math.max(0, (deliveredAt.getTime() - sentAt.getTime()) / 1000),
      Status: record.status,
      QueueDepth: record.queueDepth,
      // Nothing waiting reads as age 0, so the column is never missing.
      OldestMessageAgeSeconds: record.oldestMessageAgeSeconds ?? 0,
      PoisonDepth: record.poisonDepth,
    };
    // Heartbeats are the relay's own few hundred bytes: Problems is the overflow value, never split in practice.
    return { row, overflow: { problems: record.problems ?? [] }, undeclared: [], eventId: String(record.heartbeatId) };
  },
  place(row, fragment) {
    row[PROBLEMS] = (fragment.value as RecordObject).problems ?? fragment.value;
  },
  continuation: ({ TimeGenerated, HeartbeatId }) => ({ TimeGenerated, HeartbeatId }),
};

/** The relay's heartbeat event (shared/operations/heartbeat.ts) → one row of Custom-RelayHeartbeat, with the delivery lag. */
export function mapHeartbeat(texts: readonly string[], context: RecordContext): MappedRows {
  return mapRecords(heartbeatMapper, texts, context);
}
