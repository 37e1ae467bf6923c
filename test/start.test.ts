import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyLine, settingsProblems } from '../tools/startChecks';

const root = path.join(__dirname, '..');
const SAMPLE_KEY = '5Xz/oekSgQgwy8Tjwzk9yCuOSKR0otxgFZDoxunDadhOsBPTTCWHEO+3GD4lsZh+/NbCuN6B5tba6h1gwQUGBQ==';

describe('npm start checks', () => {
  it('reports every settings problem at once, ingest and delivery together', () => {
    const problems = settingsProblems({ RELAY_WORKSPACE_1_ID: 'not-a-guid', RELAY_WORKSPACE_1_PRIMARY_KEY: 'short', RELAY_DCR_IMMUTABLE_ID: 'dcr-x' });
    expect(problems.join('\n')).toMatch(/RELAY_WORKSPACE_1_ID is malformed/);
    expect(problems.join('\n')).toMatch(/RELAY_WORKSPACE_1_PRIMARY_KEY is malformed/);
    expect(problems.join('\n')).toMatch(/RELAY_STORAGE is missing/);
    expect(problems.join('\n')).toMatch(/RELAY_INGESTION_ENDPOINT is missing/);
    expect(problems.join('\n')).toMatch(/RELAY_DCR_IMMUTABLE_ID is malformed/);
    expect(problems.join('\n')).not.toContain('short');
  });

  it('shows the sample key, never any other key', () => {
    expect(keyLine(root, SAMPLE_KEY)).toContain(SAMPLE_KEY);
    const real = Buffer.alloc(64, 7).toString('base64');
    expect(keyLine(root, real)).not.toContain(real);
    expect(keyLine(root, real)).toMatch(/not shown/);
  });
});

function portFree(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** A start that fails (the relay's port taken) must not leave Azurite behind. Needs a free 7071 and 10000-10002. */
describe('a failed npm start', () => {
  let blocker: Server;
  let free = true;
  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => {
      blocker.once('error', () => ((free = false), resolve()));
      blocker.listen(7071, '127.0.0.1', () => resolve());
    });
  });
  afterAll(() => new Promise<void>((resolve) => (blocker.listening ? blocker.close(() => resolve()) : resolve())));

  it('names the taken port and stops the Azurite it started', { timeout: 90_000 }, async (ctx) => {
    // Another relay or Azurite on this machine's fixed ports: it would be reused, not started; nothing to check.
    if (!free || !(await portFree(10001))) ctx.skip();
    const child = spawn(process.execPath, [path.join(root, 'dist', 'tools', 'start.js')], {
      cwd: root,
      env: { ...process.env, RELAY_LOCAL_RUNNER: '1', RELAY_INGESTION_ENDPOINT: 'https://127.0.0.1:0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/Cannot start: port 7071 is in use/);
    // Azurite's queue port is free again: it was stopped, not orphaned.
    expect(await portFree(10001)).toBe(true);
  });
});
