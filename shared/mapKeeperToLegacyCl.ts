import { eventId } from './eventId';
import { keeperShapeOf } from './keeperEvent';
import { legacyColumn } from './legacyColumnTyping';
import { mapRecords, type MappedRows, type RowMapper } from './mappedRows';
import type { RecordContext } from './recordContext';
import type { RecordObject } from './recordRules';
import { STREAMS } from './streamSchemas';
import { chooseTimeGenerated } from './timeGenerated';

const stream = STREAMS.keeperLegacyCl;
const EXTRA = stream.dynamicColumn;

/** The attributes as the legacy API saw them: shape B's `data` flattened into the top level. */
function legacyAttributes(record: RecordObject): RecordObject {
  if (keeperShapeOf(record) !== 'keeper-azure-monitor' || record.data === null || typeof record.data !== 'object') return record;
  const { data, ...top } = record;
  return { ...(data as RecordObject), ...top };
}

const legacyClMapper: RowMapper = {
  dynamicColumns: new Set(),
  toRow(record, { envelope, receivedAt }) {
    const attributes = legacyAttributes(record);
    const candidate = envelope.timeGeneratedField ? record[envelope.timeGeneratedField] : (attributes.timestamp ?? attributes.created);
    const row: RecordObject = { TimeGenerated: chooseTimeGenerated(candidate, receivedAt) };
    const extra: RecordObject = {};
    for (const name in attributes) {
      const column = legacyColumn(name, attributes[name]);
      if (!column) continue;
      if (stream.columnTypes.has(column.column) && column.column !== 'TimeGenerated' && column.column !== EXTRA) {
        row[column.column] = column.value;
      } else {
        extra[name] = attributes[name];
      }
    }
    row.relay_event_id_g = eventId(envelope.workspaceId, envelope.logType, record);
    const undeclared = Object.keys(extra);
    if (undeclared.length > 0) row[EXTRA] = JSON.stringify(extra);
    return { row, undeclared };
  },
  flagTruncated(row, cut) {
    // Keeper_CL has no flag column: the names of the cut columns go into relay_extra_s, unless that was cut itself.
    if (cut.includes(EXTRA)) return;
    const extra = row[EXTRA] === undefined ? {} : (JSON.parse(String(row[EXTRA])) as RecordObject);
    row[EXTRA] = JSON.stringify({ ...extra, relay_truncated: cut });
  },
};

/**
 * Keeper events → rows for a migrated Keeper_CL, named and typed as the retired API made them, so saved queries,
 * alerts and workbooks on Keeper_CL keep working. A property whose legacy column the stream does not declare goes
 * into relay_extra_s (JSON text), never dropped.
 */
export function mapKeeperToLegacyCl(records: readonly RecordObject[], context: RecordContext): MappedRows {
  return mapRecords(legacyClMapper, records, context);
}
