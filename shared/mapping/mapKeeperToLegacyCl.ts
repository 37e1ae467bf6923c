import { mapRecords, type MappedRows } from './mappedRows';
import { legacyTableMapper } from './mapLegacyTable';
import type { RecordContext } from './recordContext';
import { STREAMS } from './streamSchemas';

const keeperLegacyCl = legacyTableMapper(STREAMS.keeperLegacyCl);

/**
 * Keeper events → rows for a migrated Keeper_CL: one declared legacy table (shared/streams/keeper-legacy-cl.json)
 * on the same mechanism as any other, kept under this name for its callers.
 */
export function mapKeeperToLegacyCl(texts: readonly string[], context: RecordContext): MappedRows {
  return mapRecords(keeperLegacyCl, texts, context);
}
