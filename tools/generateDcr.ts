/**
 * `npm run generate:dcr`: writes infra/monitor/dcr-streams.generated.json from shared/streams/*.json. Bicep cannot
 * list a folder, so this file is how a new stream file reaches the DCR and the tables: add the file, run this,
 * commit both. `--check` exits 1 when the committed file is stale (what CI's test also checks). A bad or
 * duplicate stream file: one line naming the file and the problem, exit 1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildDcrStreams, serializeDcrStreams } from './dcr/dcrStreams';

const repoRoot = resolve(__dirname, '..', '..');
const streamsDir = join(repoRoot, 'shared', 'streams');
const generatedPath = join(repoRoot, 'infra', 'monitor', 'dcr-streams.generated.json');

function main(): number {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false }, streams: { type: 'string' } } });
  // --streams DIR --check checks stream files elsewhere (a file being written, the tests) without writing anything.
  if (values.streams && !values.check) throw new Error('--streams works only with --check (the generated file is made from shared/streams)');
  const dir = values.streams ? resolve(values.streams) : streamsDir;
  const label = relative(repoRoot, dir).startsWith('..') ? dir : relative(repoRoot, dir);
  const text = serializeDcrStreams(buildDcrStreams(dir, label));
  if (values.check) {
    const current = readFileSync(generatedPath, 'utf8');
    if (current !== text) {
      console.error('infra/monitor/dcr-streams.generated.json is stale: run `npm run generate:dcr` and commit it.');
      return 1;
    }
    return 0;
  }
  writeFileSync(generatedPath, text);
  console.log(`wrote infra/monitor/dcr-streams.generated.json (${text.length} bytes) from ${label}`);
  return 0;
}

try {
  process.exitCode = main();
} catch (error) {
  // A bad or duplicate stream file, an unknown flag: one line naming it, never a stack.
  console.error(`generate:dcr: ${(error as Error).message}`);
  process.exitCode = 1;
}
