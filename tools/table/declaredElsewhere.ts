import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultStreamsDir, type StreamDeclaration } from '../../shared/mapping/streamSchemas';

/**
 * The stream file in `dir` (shared/streams/) other than `out` that already declares this stream or table, with
 * which of the two; undefined when none does. Two declarations for one table make two rows per record, and
 * `npm run generate:dcr` refuses them. Files that do not parse are left to generate:dcr to report.
 */
export function declaredElsewhere(
  declaration: Pick<StreamDeclaration, 'stream' | 'table'>,
  out: string,
  dir = defaultStreamsDir(),
): { file: string; what: string } | undefined {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return undefined;
  }
  for (const name of names) {
    const file = path.join(dir, name);
    if (path.resolve(file) === path.resolve(out)) continue;
    let other: { stream?: unknown; table?: unknown };
    try {
      other = JSON.parse(readFileSync(file, 'utf8')) as typeof other;
    } catch {
      continue;
    }
    if (other?.table === declaration.table) return { file, what: `table ${declaration.table}` };
    if (other?.stream === declaration.stream) return { file, what: `stream ${declaration.stream}` };
  }
  return undefined;
}
