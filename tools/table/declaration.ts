import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadStreamSchema, type ColumnType, type StreamDeclaration } from '../../shared/mapping/streamSchemas';

/** A declared column: the stream's name and type, and the table's type when it differs (guid). */
export interface DeclaredColumn {
  name: string;
  type: ColumnType;
  tableType?: 'guid';
}

/** The relay's own columns in every legacy table: its event id and the extra-properties column. */
export const RELAY_COLUMNS: readonly DeclaredColumn[] = [
  { name: 'relay_event_id_g', type: 'string', tableType: 'guid' },
  { name: 'relay_extra_s', type: 'string' },
];

export interface DeclarationInput {
  logType: string;
  table: string;
  columns: readonly DeclaredColumn[];
  /** `classic`: a classic table migrated in place (referenced); `relay`: a new table the template creates. */
  tableSource: 'relay' | 'classic';
  description: string;
}

/** The declaration file's object, validated by the same zod schema the relay loads it with. */
export function buildDeclaration(input: DeclarationInput): StreamDeclaration {
  const names = new Set(input.columns.map((c) => c.name));
  const columns = [
    { name: 'TimeGenerated', type: 'datetime' as const },
    ...input.columns.filter((c) => c.name !== 'TimeGenerated'),
    ...RELAY_COLUMNS.filter((c) => !names.has(c.name)),
  ].map((c) => ({ name: c.name, type: c.type, tableColumn: c.name, ...('tableType' in c && c.tableType ? { tableType: c.tableType } : {}) }));
  const declaration = {
    description: input.description,
    stream: `Custom-${input.table}`,
    table: input.table,
    logTypes: [input.logType],
    tableSource: input.tableSource,
    eventIdColumn: 'relay_event_id_g',
    dynamicColumn: 'relay_extra_s',
    columns,
  };
  loadStreamSchema(declaration);
  return declaration as StreamDeclaration;
}

/** JSON with one column a line, like the stream files kept by hand. */
export function declarationText(declaration: object): string {
  const text = JSON.stringify(declaration, null, 2);
  // Collapse each column object ({ "name", "type", "tableColumn"[, "tableType"] }) onto one line.
  const compact = text.replace(/\[\n\s+("[^"\n]*"(?:,\n\s+"[^"\n]*")*)\n\s+\]/g, (_m, items: string) => `[${items.split(/,\n\s+/).join(', ')}]`);
  return `${compact.replace(/\{\n\s+"name": [^{}[\]]*?\n\s+\}/g, (match) => `{ ${match.slice(1, -1).trim().split(/,\n\s+/).join(', ')} }`)}\n`;
}

export function writeDeclaration(file: string, declaration: object): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, declarationText(declaration));
}
