import { execFile, spawnSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { promisify } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalRunner, type LocalRunner } from '../tools/localRunner';
import { keeperPushEvents } from './support/keeperSamples';
import { legacyHeaders } from './support/legacyRequest';
import { blobCount, clearQueue, envelopeRecords, queuedEnvelopes } from './support/queueInspection';
import { applyEnv, testRelay } from './support/relayEnv';

const relay = testRelay('e2e');
let runner: LocalRunner;

beforeAll(async () => {
  applyEnv(relay.env);
  runner = await startLocalRunner({ port: 0, queues: false });
});
afterAll(() => runner?.close());
beforeEach(() => clearQueue(relay.connectionString, relay.queueName));

async function postLegacy(body: Buffer | string, logType = 'Keeper'): Promise<Response> {
  const headers = legacyHeaders({ workspaceId: relay.workspaceId, key: relay.primaryKey, body, logType });
  delete headers['Content-Length']; // fetch sets it from the body, as a real client does
  return fetch(`${runner.url}/api/logs?api-version=2016-04-01`, { method: 'POST', headers, body });
}

describe('end to end over real HTTP: local runner + Azurite', () => {
  it('serves the registered routes', () => {
    expect(runner.registrations.http.map((r) => `${r.methods?.join(',')} ${r.route} ${r.authLevel}`).sort()).toEqual([
      'GET health function',
      'POST keeper/events function',
      'POST logs anonymous',
    ]);
  });

  it('turns a signed request into exactly one queue message', async () => {
    const response = await postLegacy(JSON.stringify(keeperPushEvents));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    const envelopes = await queuedEnvelopes(relay.connectionString, relay.queueName);
    expect(envelopes).toHaveLength(1);
    expect(await envelopeRecords(relay.connectionString, envelopes[0]!)).toEqual(keeperPushEvents);
  });

  it('turns a 5 MB request into one blob plus one pointer message', async () => {
    const records = Array.from({ length: 20_000 }, (_, i) => ({
      ...keeperPushEvents[i % keeperPushEvents.length],
      // Random-ish text so the body does not compress into one message.
      record_uid: Buffer.from(`${i}-${Math.random()}-${Math.random()}`).toString('base64url'),
      note: Math.random().toString(36).repeat(3),
    }));
    const body = Buffer.from(JSON.stringify(records));
    expect(body.length).toBeGreaterThan(5 * 1024 * 1024);
    const blobsBefore = await blobCount(relay.connectionString, relay.containerName);
    const response = await postLegacy(body);
    expect(response.status).toBe(200);
    const envelopes = await queuedEnvelopes(relay.connectionString, relay.queueName);
    expect(envelopes).toHaveLength(1);
    const envelope = envelopes[0]!;
    expect(envelope.payload).toMatchObject({ kind: 'blob', container: relay.containerName, encoding: 'br', format: 'json' });
    expect(envelope.recordCount).toBe(20_000);
    expect(await blobCount(relay.connectionString, relay.containerName)).toBe(blobsBefore + 1);
    expect(await envelopeRecords(relay.connectionString, envelope)).toEqual(records);
  });

  it('answers errors with the legacy JSON body over the wire', async () => {
    const response = await fetch(`${runner.url}/api/logs?api-version=2016-04-01`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[]',
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(await response.json()).toEqual({ Error: 'InvalidAuthorization', Message: expect.stringContaining('Authorization header is missing') });
  });

  it('serves the raw Keeper door', async () => {
    const response = await fetch(`${runner.url}/api/keeper/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(keeperPushEvents),
    });
    expect(response.status).toBe(200);
    expect(await queuedEnvelopes(relay.connectionString, relay.queueName)).toHaveLength(1);
  });

  it("answers //api/logs as /api/logs: a public Python client's URL template has always built the double slash", async () => {
    const body = JSON.stringify(keeperPushEvents);
    const headers = legacyHeaders({ workspaceId: relay.workspaceId, key: relay.primaryKey, body });
    delete headers['Content-Length'];
    const response = await fetch(`${runner.url}//api/logs?api-version=2016-04-01`, { method: 'POST', headers, body });
    expect(response.status).toBe(200);
    expect(await queuedEnvelopes(relay.connectionString, relay.queueName)).toHaveLength(1);
  });

  it('answers an unsigned post without reading its body, and closes the connection', async () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 0x20);
    const headers = legacyHeaders({ workspaceId: relay.workspaceId, key: 'd3Jvbmcga2V5', body: big });
    const response = await fetch(`${runner.url}/api/logs?api-version=2016-04-01`, { method: 'POST', headers, body: big }).catch((error: unknown) => error);
    // The relay answers at once and closes: the client sees the 403, or a reset while it was still sending.
    if (response instanceof Response) {
      expect(response.status).toBe(403);
      expect(response.headers.get('connection')).toBe('close');
    } else {
      expect(String((response as Error).cause ?? response)).toMatch(/ECONNRESET|EPIPE|other side closed|socket/i);
    }
  });

  it('answers a chunked body over 30 MB with RequestTooLarge instead of leaving the sender waiting', async () => {
    const total = 31 * 1024 * 1024;
    const headers = legacyHeaders({ workspaceId: relay.workspaceId, key: relay.primaryKey, body: Buffer.alloc(total, 0x20) });
    delete headers['Content-Length']; // chunked: the size is known only while reading
    const url = new URL(`${runner.url}/api/logs?api-version=2016-04-01`);
    const outcome = await new Promise<{ status: number; body: string } | Error>((resolve) => {
      const req = httpRequest(url, { method: 'POST', headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', resolve);
      });
      req.on('error', resolve);
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      let sent = 0;
      const writeMore = (): void => {
        while (sent < total) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', writeMore);
        }
        req.end();
      };
      writeMore();
    });
    // The answer, or a reset while the sender was still writing; before the fix, neither came for 300 s.
    if (outcome instanceof Error) expect(String(outcome)).toMatch(/ECONNRESET|EPIPE|socket/i);
    else {
      expect(outcome.status).toBe(404);
      expect(JSON.parse(outcome.body)).toMatchObject({ Error: 'RequestTooLarge' });
    }
  });

  it('answers 404 for unknown routes and 405 for other methods', async () => {
    expect((await fetch(`${runner.url}/api/nope`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${runner.url}/api/logs`)).status).toBe(405);
  });
});

const seed = path.join(__dirname, '..', '..', 'shared', 'reference', 'seeds', 'keeper-legacy-azure-sentinel.md');
const python = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import requests'], { stdio: 'ignore' }).status === 0);

describe.skipIf(!existsSync(seed))("Keeper's troubleshooting script, unchanged but for workspace id, key and URL", () => {
  it('gets Response code: 200 and its five events are queued', async () => {
    expect(python, 'python3 with requests is needed (apt-get install python3-requests; .ci/run installs it)').toBeDefined();
    const script = /```python\n([\s\S]*?)```/.exec(readFileSync(seed, 'utf8'))![1]!;
    const edited = script
      .replace(/^workspace_id = '.*'$/m, `workspace_id = '${relay.workspaceId}'`)
      .replace(/^workspace_key = '.*'$/m, `workspace_key = '${relay.primaryKey}'`)
      .replace(/^uri = f'.*'$/m, `uri = '${runner.url}/api/logs?api-version=2016-04-01'`);
    expect(edited.split('\n').filter((line, i) => line !== script.split('\n')[i])).toHaveLength(3);
    // The published script writes JSON's `true` inside a Python literal, which raises NameError as printed;
    // define it before the script instead of editing the script.
    // Asynchronously: the relay answering it runs in this very process.
    const { stdout: output } = await promisify(execFile)(python!, ['-W', 'ignore', '-c', `true, false, null = True, False, None\n${edited}`], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(output).toContain('Response code: 200');
    const envelopes = await queuedEnvelopes(relay.connectionString, relay.queueName);
    expect(envelopes).toHaveLength(1);
    expect(envelopes[0]).toMatchObject({ logType: 'Keeper', recordCount: 5, shape: 'keeper-push' });
  });
});
