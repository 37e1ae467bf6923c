import { mapRecords, type MappedRows, type RowMapper } from './mappedRows';
import type { RecordContext } from './recordContext';
import type { RecordObject } from './recordRules';
import { STREAMS } from './streamSchemas';

const heartbeatMapper: RowMapper = {
  dynamicColumns: new Set([STREAMS.relayHeartbeat.dynamicColumn]),
  toRow(record, { receivedAt }) {
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
      Problems: record.problems ?? [],
    };
    return { row, undeclared: [] };
  },
  flagTruncated() {
    // Heartbeats are a few hundred bytes; nothing to flag.
  },
};

/** The relay's heartbeat event (shared/heartbeat.ts) → one row of Custom-RelayHeartbeat, with the delivery lag. */
export function mapHeartbeat(records: readonly RecordObject[], context: RecordContext): MappedRows {
  return mapRecords(heartbeatMapper, records, context);
}
