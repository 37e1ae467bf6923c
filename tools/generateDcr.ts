/**
 * `npm run generate:dcr`: writes infra/monitor/dcr-streams.generated.json from shared/streams/*.json. Bicep cannot
 * list a folder, so this file is how a new stream file reaches the DCR and the tables: add the file, run this,
 * commit both. `--check` exits 1 when the committed file is stale (what CI's test also checks).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildDcrStreams, serializeDcrStreams } from './dcr/dcrStreams';

const repoRoot = resolve(__dirname, '..', '..');
const streamsDir = join(repoRoot, 'shared', 'streams');
const generatedPath = join(repoRoot, 'infra', 'monitor', 'dcr-streams.generated.json');

function main(): void {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
  const text = serializeDcrStreams(buildDcrStreams(streamsDir));
  if (values.check) {
    const current = readFileSync(generatedPath, 'utf8');
    if (current !== text) {
      console.error('infra/monitor/dcr-streams.generated.json is stale: run `npm run generate:dcr` and commit it.');
      process.exitCode = 1;
    }
    return;
  }
  writeFileSync(generatedPath, text);
  console.log(`wrote infra/monitor/dcr-streams.generated.json (${text.length} bytes) from shared/streams`);
}

main();
