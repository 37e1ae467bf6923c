import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lazyProperties } from '../shared/settings/lazyModule';
import { coldStartEnv } from '../tools/bench/coldStart';

const root = path.join(__dirname, '..');
/** The SDKs a first request may need but an import must not load (issue 11 item 5); timing is `npm run bench:cold`. */
const HEAVY = /node_modules\/(@azure\/(identity|storage-blob|storage-queue|monitor-ingestion|core-rest-pipeline|msal-node)|applicationinsights)\//;

/** The heavy packages a fresh `node` process has loaded after requiring the built entry (npm test builds first). */
function heavyPackagesAfterImport(entry: string): string[] {
  const script = `require('./dist/functions/${entry}'); console.log(JSON.stringify(Object.keys(require.cache)))`;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: root, env: coldStartEnv(root), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const loaded = JSON.parse(out.trim().split('\n').at(-1)!) as string[];
  return [...new Set(loaded.map((file) => HEAVY.exec(file.replaceAll('\\', '/'))?.[1]).filter((p) => p !== undefined))];
}

describe('cold start: importing a function entry loads no Azure SDK beyond @azure/functions', () => {
  const entries = readdirSync(path.join(root, 'dist', 'functions')).filter((f) => f.endsWith('.js'));

  it.each(entries)('%s', (entry) => {
    expect(heavyPackagesAfterImport(entry)).toEqual([]);
  });
});

describe('lazyProperties', () => {
  it('builds each property once, on first read, and keeps it assignable', () => {
    let built = 0;
    const clients = lazyProperties<{ queue: { n: number }; other: string }>({ queue: () => ({ n: ++built }), other: () => 'x' });
    expect(built).toBe(0);
    expect(clients.queue).toBe(clients.queue);
    expect(built).toBe(1);
    clients.other = 'replaced';
    expect(clients.other).toBe('replaced');
    expect({ ...clients }).toEqual({ queue: { n: 1 }, other: 'replaced' });
  });
});
