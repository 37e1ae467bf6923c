import type { RecordObject } from '../../shared/ingest/recordRules';
import type { StreamDeclaration } from '../../shared/mapping/streamSchemas';
import type { DeclaredColumn } from './declaration';
import { inferColumns, MAX_COLUMNS, type Inference, type InferredColumn } from './inferSchema';
import { parseRecordText } from '../../shared/mapping/recordText';

const SUFFIXED = /_[sdbtg]$/;

export interface Drift {
  /** Columns the declaration lacks, as the retired API would have typed them. */
  missing: InferredColumn[];
  /** Properties whose value did not fit its declared column's type (the other suffix is what is missing). */
  conflicts: Map<string, string[]>;
  /** Properties the door refuses records for: never columns (see inferColumns). */
  refused: Inference['refused'];
  records: number;
}

/**
 * The record properties in the samples: a sample that is a row of the table (it has the extra-properties column,
 * as `az monitor log-analytics query` prints it) contributes the properties kept in that column; any other sample
 * is a record as senders post it.
 */
export function* sampleRecords(samples: Iterable<RecordObject>, extraColumn: string): Iterable<RecordObject> {
  for (const sample of samples) {
    const extra = sample[extraColumn];
    if (extra === undefined) {
      yield sample;
      continue;
    }
    const kept = typeof extra === 'string' ? parseRecordText(extra).record : (extra as RecordObject);
    // Continuation rows (relay_value) hold pieces of large values, not properties of their own.
    if (kept === null || typeof kept !== 'object' || 'relay_value' in kept) continue;
    yield Object.fromEntries(Object.entries(kept).filter(([name]) => !name.startsWith('relay_')));
  }
}

/** What the samples carry that the declaration has no column for (schema drift), typed as the retired API did. */
export function findDrift(declaration: StreamDeclaration, samples: Iterable<RecordObject>): Drift {
  const declared = new Set(declaration.columns.map((c) => c.name));
  const inference = inferColumns(sampleRecords(samples, declaration.dynamicColumn));
  const missing = inference.columns.filter((c) => !declared.has(c.name));
  const conflicts = new Map<string, string[]>();
  for (const column of missing) {
    const others = declaration.columns.filter((c) => c.name !== column.name && SUFFIXED.test(c.name) && c.name.slice(0, -2) === column.name.slice(0, -2));
    if (others.length > 0) conflicts.set(column.name, others.map((c) => c.name));
  }
  return { missing, conflicts, refused: inference.refused, records: inference.records };
}

/** The declaration with the missing columns added before the relay's own columns; throws past 500 columns. */
export function withColumns(declaration: StreamDeclaration, added: readonly DeclaredColumn[]): StreamDeclaration {
  const relay = declaration.columns.filter((c) => c.name.startsWith('relay_'));
  const own = declaration.columns.filter((c) => !c.name.startsWith('relay_'));
  const columns = [...own, ...added.map((c) => ({ name: c.name, type: c.type, tableColumn: c.name, ...(c.tableType ? { tableType: c.tableType } : {}) })), ...relay];
  if (columns.length > MAX_COLUMNS) throw new Error(`${declaration.table} would have ${columns.length} columns; a table holds at most ${MAX_COLUMNS}`);
  return { ...declaration, columns };
}
