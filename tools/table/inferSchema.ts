import { legacyBaseName, legacyColumn, legacySuffix, MAX_COLUMN_NAME_LENGTH } from '../../shared/mapping/legacyColumnTyping';
import type { RecordObject } from '../../shared/ingest/recordRules';
import type { DeclaredColumn } from './declaration';
import { doorRefusal } from './doorRefusal';

/** The Logs Ingestion API's (and the retired API's) column limit per table. */
export const MAX_COLUMNS = 500;

const SUFFIX_TYPES: Record<string, DeclaredColumn> = {
  _s: { name: '', type: 'string' },
  _d: { name: '', type: 'real' },
  _b: { name: '', type: 'boolean' },
  _t: { name: '', type: 'datetime' },
  _g: { name: '', type: 'string', tableType: 'guid' },
  '': { name: '', type: 'string' },
};

export interface InferredColumn extends DeclaredColumn {
  /** The property it came from and how many records had it (with this type). */
  property: string;
  count: number;
}

export interface Inference {
  columns: InferredColumn[];
  /** Properties that cannot become a column (name rules): they land in relay_extra_s. */
  unnameable: Map<string, number>;
  /** Properties the door refuses records for (reserved or prototype names): no column, the records never land. */
  refused: Map<string, { count: number; reason: string }>;
  records: number;
}

/**
 * The columns the retired API would have created for these records, in the order it first saw them: one column per
 * property and type suffix (a property sent as a number and as text had both `x_d` and `x_s`); null values made none.
 */
export function inferColumns(records: Iterable<RecordObject>): Inference {
  const columns = new Map<string, InferredColumn>();
  const unnameable = new Map<string, number>();
  const refused = new Map<string, { count: number; reason: string }>();
  const refusals = new Map<string, string | undefined>();
  let count = 0;
  for (const record of records) {
    count++;
    for (const [property, value] of Object.entries(record)) {
      if (!refusals.has(property)) refusals.set(property, doorRefusal(property));
      const reason = refusals.get(property);
      if (reason !== undefined) {
        const seen = refused.get(property);
        if (seen) seen.count++;
        else refused.set(property, { count: 1, reason });
        continue;
      }
      const column = legacyColumn(property, value);
      if (!column) {
        if (legacySuffix(property, value) !== undefined) unnameable.set(property, (unnameable.get(property) ?? 0) + 1);
        continue;
      }
      const seen = columns.get(column.column);
      if (seen) seen.count++;
      else columns.set(column.column, { ...SUFFIX_TYPES[suffixOf(column.column, property)]!, name: column.column, property, count: 1 });
    }
  }
  return { columns: [...columns.values()], unnameable, refused, records: count };
}

function suffixOf(column: string, property: string): string {
  return property === 'Computer' && column === 'Computer' ? '' : column.slice(-2);
}

/** The report's lines for properties the door refuses. */
export function refusedNotes(refused: Inference['refused']): string[] {
  return [...refused].map(([property, { count, reason }]) => `REFUSED: ${JSON.stringify(property)} (${count} records): the door refuses records with it (${reason}); no column`);
}

/** Why a property name cannot become a column, for the report. */
export function unnameableReason(property: string): string {
  const base = property.replace(/[^A-Za-z0-9_]/g, '');
  if (base === '') return 'no letter, digit or underscore';
  if (!/^[A-Za-z]/.test(base)) return 'does not start with a letter';
  if (legacyBaseName(property) === undefined) return `longer than ${MAX_COLUMN_NAME_LENGTH} characters with its suffix`;
  return 'unknown';
}
