import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRunner, type LocalRunner } from '../tools/localRunner';
import { startTestIngestion, type TestIngestion } from './support/deliveryEnv';
import { applyEnv, testRelay } from './support/relayEnv';

/**
 * `npm run send-sample` over real HTTP against a local relay (door, Azurite queue, queue trigger, Logs Ingestion
 * emulator over HTTPS): its proof of delivery must be rows of this run, although every run's event ids are the same.
 */

const relay = testRelay('sendsample');
const dataDir = mkdtempSync(path.join(tmpdir(), 'send-sample-rows-'));
const cli = path.join(__dirname, '..', 'dist', 'tools', 'sendSample.js');
let ingestion: TestIngestion;
let runner: LocalRunner | undefined;

beforeAll(async () => {
  ingestion = await startTestIngestion({ dataDir });
  applyEnv({ ...relay.env, ...ingestion.env });
});
afterAll(async () => {
  await runner?.close();
  await ingestion?.emulator.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs send-sample as a user does, against the runner; resolves with its exit status and output. */
function sendSample(url: string, ...args: string[]): Promise<{ status: number | null; stdout: string }> {
  const env = { ...process.env, RELAY_URL: url, RELAY_WORKSPACE_1_ID: relay.env.RELAY_WORKSPACE_1_ID, RELAY_WORKSPACE_1_PRIMARY_KEY: relay.env.RELAY_WORKSPACE_1_PRIMARY_KEY, LOGS_EMULATOR_DATA_DIR: dataDir };
  const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout }));
  });
}

describe('npm run send-sample', () => {
  it("shows only rows this run produced: a second run does not pass off the first run's rows", async () => {
    runner = await startLocalRunner({ port: 0 });
    const first = await sendSample(runner.url);
    expect(first.stdout).toMatch(/Response code: 200/);
    expect(first.stdout).toMatch(/rows of KeeperSecurityEventNewLogs_CL .* delivered by this run/);
    expect(first.status).toBe(0);

    // The door alone: the second run's post is queued but nothing delivers it, so no row of this run can appear,
    // while the first run's rows (same event ids) are in the file.
    await runner.close();
    runner = await startLocalRunner({ port: 0, queues: false });
    const second = await sendSample(runner.url, '--wait-seconds', '2');
    expect(second.stdout).toMatch(/Response code: 200/);
    expect(second.stdout).toMatch(/Waiting for the rows this run produced: lines appended to .* after byte [1-9]\d*/);
    expect(second.stdout).not.toMatch(/delivered by this run/);
    expect(second.stdout).toMatch(/Only 0 of \d+ rows of this run arrived within 2 s/);
    expect(second.status).toBe(1);

    // With the queue trigger back, a new run sees its own rows again.
    await runner.close();
    runner = await startLocalRunner({ port: 0 });
    const third = await sendSample(runner.url);
    expect(third.stdout).toMatch(/delivered by this run/);
    expect(third.status).toBe(0);
  });
});
