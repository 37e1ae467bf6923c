import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRunner, type LocalRunner } from '../tools/localRunner';
import { runVerify } from '../tools/verify/runVerify';
import { applyEnv, testRelay } from './support/relayEnv';

/** `npm run verify` against the relay's real handlers over real HTTP (local runner, Azurite queue). */
const relay = testRelay('verify');
let runner: LocalRunner;
const queues = () => QueueServiceClient.fromConnectionString(relay.connectionString);

beforeAll(async () => {
  applyEnv(relay.env);
  await queues().getQueueClient(relay.queueName).createIfNotExists();
  await queues().getQueueClient(`${relay.queueName}-poison`).createIfNotExists();
  // No queue trigger: the probe's message stays in the queue for the check to find.
  runner = await startLocalRunner({ port: 0, queues: false });
});
afterAll(() => runner?.close());

const verify = (key: string, lines: string[]) =>
  runVerify({
    url: new URL(runner.url),
    workspaceId: relay.workspaceId,
    key,
    queue: queues().getQueueClient(relay.queueName),
    poisonQueue: queues().getQueueClient(`${relay.queueName}-poison`),
    logs: { cloud: 'public', waitMs: 0, pollMs: 0 },
    print: (l) => lines.push(l),
  });

describe('npm run verify', () => {
  it('reports each step against a working relay: DNS, TLS skipped on http, 200, queued, and the KQL to run', async () => {
    const lines: string[] = [];
    const { ok, results } = await verify(relay.primaryKey, lines);
    expect(results.map((r) => `${r.step}:${r.status}`)).toEqual(['DNS:pass', 'TLS:skip', 'POST /api/logs:pass', 'Message queued:pass', 'Row visible:skip']);
    expect(ok).toBe(true);
    expect(lines.join('\n')).toMatch(/waits in verify-/);
    expect(lines.join('\n')).toMatch(/RelayedLogs_CL \| where .*LogType == "RelayVerify" and tostring\(Record\.probe_id\) == "[0-9a-f-]{36}"/);
    expect(lines.at(-1)).toMatch(/^VERDICT: WORKING so far/);
  });

  it('fails with the fix when the key is not the workspace\'s, and never prints the key', async () => {
    const lines: string[] = [];
    const wrong = Buffer.alloc(64, 7).toString('base64');
    const { ok, results } = await verify(wrong, lines);
    expect(ok).toBe(false);
    expect(results.at(-1)).toMatchObject({ step: 'POST /api/logs', status: 'fail' });
    expect(results.at(-1)!.fix).toMatch(/workspace id\/key/);
    expect(lines.join('\n')).not.toContain(wrong);
    expect(lines.at(-1)).toMatch(/^VERDICT: NOT WORKING \(POST \/api\/logs failed/);
  });

  it('runs as a command (`node dist/tools/verify.js --url`), exit code 0 on a working relay', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, '..', 'dist', 'tools', 'verify.js'), '--url', runner.url], {
      env: { ...process.env, ...relay.env, LOG_ANALYTICS_WORKSPACE_ID: '' },
    });
    expect(stdout).toMatch(/\[PASS\] POST \/api\/logs: 200/);
    expect(stdout).toMatch(/VERDICT: WORKING/);
  });

  it('says the host does not resolve, with the fix, and stops there', async () => {
    const lines: string[] = [];
    const { ok, results } = await runVerify({
      url: new URL('https://relay-does-not-exist.invalid'),
      workspaceId: relay.workspaceId,
      key: relay.primaryKey,
      logs: { cloud: 'public', waitMs: 0, pollMs: 0 },
      print: (l) => lines.push(l),
    });
    expect(ok).toBe(false);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ step: 'DNS', status: 'fail' });
    expect(results[0]!.fix).toMatch(/SERVICE_RELAY_URI/);
  });
});
