import { eventId } from './eventId';
import { fitRow } from './fieldLimits';
import { keeperShapeOf } from './keeperEvent';
import { legacyColumn } from './legacyColumnTyping';
import { countUndeclared, type MappedRows } from './mappedRows';
import type { RecordContext } from './recordContext';
import type { RecordObject } from './recordRules';
import { STREAMS } from './streamSchemas';
import { chooseTimeGenerated } from './timeGenerated';

const stream = STREAMS.keeperLegacyCl;
const EXTRA = stream.dynamicColumn;
const NONE = new Set<string>();

/** The attributes as the legacy API saw them: shape B's `data` flattened into the top level. */
function legacyAttributes(record: RecordObject): RecordObject {
  if (keeperShapeOf(record) !== 'keeper-azure-monitor' || record.data === null || typeof record.data !== 'object') return record;
  const { data, ...top } = record;
  return { ...(data as RecordObject), ...top };
}

/**
 * Keeper events → rows for a migrated Keeper_CL, named and typed as the retired API made them, so saved queries,
 * alerts and workbooks on Keeper_CL keep working. A property whose legacy column the stream does not declare goes
 * into relay_extra_s (JSON text), never dropped.
 */
export function mapKeeperToLegacyCl(records: readonly RecordObject[], { envelope, receivedAt }: RecordContext): MappedRows {
  const undeclared = new Map<string, number>();
  const rows: RecordObject[] = [];
  const sizes: number[] = [];
  let truncatedRows = 0;
  for (const record of records) {
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
        countUndeclared(undeclared, name);
      }
    }
    row.relay_event_id_g = eventId(envelope.workspaceId, envelope.logType, record);
    if (Object.keys(extra).length > 0) row[EXTRA] = JSON.stringify(extra);
    const fitted = fitRow(row, NONE);
    if (fitted.cut.length > 0) truncatedRows++;
    rows.push(row);
    sizes.push(fitted.bytes);
  }
  return { rows, sizes, undeclared, truncatedRows };
}
