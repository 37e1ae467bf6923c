/**
 * The output columns and types of a DCR transform, for the transform shapes the generator writes (source, then
 * `extend c = cast(c), ...`, then `project-rename New = old, ...`). Any other operator throws, so a hand-written
 * transform cannot slip past the type check unread.
 */
const CAST_RESULT: Record<string, string> = {
  tostring: 'string',
  toint: 'int',
  tolong: 'long',
  toreal: 'real',
  todouble: 'real',
  tobool: 'boolean',
  toboolean: 'boolean',
  todatetime: 'dateTime',
  toguid: 'guid',
  todynamic: 'dynamic',
  parse_json: 'dynamic',
};

/** Stream declaration types as they land in a table column without conversion. */
const AS_TABLE: Record<string, string> = { datetime: 'dateTime' };

function assignments(list: string): Array<[string, string]> {
  return list.split(',').map((a) => {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+?)\s*$/.exec(a);
    if (!m) throw new Error(`cannot read assignment "${a}"`);
    return [m[1]!, m[2]!];
  });
}

export function transformOutput(streamColumns: ReadonlyArray<{ name: string; type: string }>, transformKql: string): Map<string, string> {
  const [first, ...ops] = transformKql.split('|').map((s) => s.trim());
  if (first !== 'source') throw new Error(`transform does not start with source: ${transformKql}`);
  const columns = new Map(streamColumns.map((c) => [c.name, AS_TABLE[c.type] ?? c.type]));
  for (const op of ops) {
    const m = /^(extend|project-rename)\s+(.*)$/s.exec(op);
    if (!m) throw new Error(`unsupported transform operator in: ${op}`);
    for (const [target, expr] of assignments(m[2]!)) {
      if (m[1] === 'extend') {
        const call = /^([a-z_]+)\(([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(expr);
        if (call) {
          if (!columns.has(call[2]!)) throw new Error(`extend reads unknown column ${call[2]}`);
          const type = CAST_RESULT[call[1]!];
          if (!type) throw new Error(`unknown conversion ${call[1]}`);
          columns.set(target, type);
        } else if (columns.has(expr)) columns.set(target, columns.get(expr)!);
        else throw new Error(`unsupported extend expression ${expr}`);
      } else {
        const type = columns.get(expr);
        if (type === undefined) throw new Error(`project-rename of unknown column ${expr}`);
        columns.delete(expr);
        columns.set(target, type);
      }
    }
  }
  return columns;
}

export interface TypeMismatch {
  outputStream: string;
  column: string;
  produced: string;
  table: string | undefined;
}

/** Every output column whose type differs from (or is missing in) its destination table. */
export function dataflowMismatches(
  dcr: { streamDeclarations: Record<string, { columns: Array<{ name: string; type: string }> }>; dataFlows: Array<{ streams: string[]; outputStream: string; transformKql: string }> },
  tableColumns: (table: string) => ReadonlyArray<{ name: string; type: string }>,
): TypeMismatch[] {
  const out: TypeMismatch[] = [];
  for (const flow of dcr.dataFlows) {
    const table = flow.outputStream.replace(/^Custom-/, '');
    const tableTypes = new Map(tableColumns(table).map((c) => [c.name, c.type]));
    for (const stream of flow.streams) {
      const declared = dcr.streamDeclarations[stream];
      if (!declared) throw new Error(`dataflow reads undeclared stream ${stream}`);
      for (const [column, produced] of transformOutput(declared.columns, flow.transformKql)) {
        if (tableTypes.get(column) !== produced) out.push({ outputStream: flow.outputStream, column, produced, table: tableTypes.get(column) });
      }
    }
  }
  return out;
}
