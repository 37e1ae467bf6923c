import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startLocalRunner, type LocalRunner } from '../tools/localRunner';
import { STREAMS } from '../shared/mapping/streamSchemas';
import { countParkedEnvelopes, PARKED_PREFIX, SWEEP_PARKED_SCHEDULE, sweepParkedEnvelopes } from '../shared/handoff/parkedEnvelopes';
import { createStorageHandoff } from '../shared/handoff/handoff';
import { compressPayload } from '../shared/handoff/payloadCodec';
import { createStorageClients } from '../shared/handoff/storageClients';
import { scheduleSeconds } from '../tools/localTimers';
import { startTestIngestion, type TestIngestion } from './support/deliveryEnv';
import { legacyHeaders } from './support/legacyRequest';
import { clearQueue, queuedEnvelopes, queueLength } from './support/queueInspection';
import { applyEnv, testRelay } from './support/relayEnv';

/**
 * The queue refuses every write (a proxy in front of Azurite's queue port answers 503 ServerBusy, deterministically,
 * whatever the timing) while blob storage works: the relay parks each request's envelope as a blob and answers 200;
 * once the queue is back the sweeper timer moves them into the queue and every event lands, exactly once even when a
 * crashed sweep had already queued a copy.
 */
const relay = testRelay('parked');
let ingestion: TestIngestion;
let runner: LocalRunner;
let proxy: Server;
let viaProxy: string;
/** What the queue proxy answers: forwards to Azurite ('up'), or refuses every request with this status. */
let queueAnswer: 'up' | 503 | 403 = 503;

/** Forwards to Azurite's queue endpoint, or refuses everything (503 ServerBusy, 403 AuthorizationFailure). */
function startQueueProxy(target: URL): Promise<Server> {
  const server = createServer((req, res) => {
    if (queueAnswer !== 'up') {
      req.resume();
      const code = queueAnswer === 503 ? 'ServerBusy' : 'AuthorizationFailure';
      res.writeHead(queueAnswer, { 'x-ms-error-code': code, 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>refused by the test proxy</Message></Error>`);
      return;
    }
    const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const queueEndpoint = () => new URL(/QueueEndpoint=([^;]+)/.exec(relay.connectionString)![1]!);
const container = (name = relay.containerName) => BlobServiceClient.fromConnectionString(relay.connectionString).getContainerClient(name);

async function parkedNames(containerName = relay.containerName): Promise<string[]> {
  const names: string[] = [];
  for await (const item of container(containerName).listBlobsFlat({ prefix: PARKED_PREFIX })) names.push(item.name);
  return names;
}

async function post(records: object[]): Promise<number> {
  const body = JSON.stringify(records);
  const headers = legacyHeaders({ workspaceId: relay.workspaceId, key: relay.primaryKey, body, logType: 'ParkedTest' });
  return (await fetch(`${runner.url}/api/logs?api-version=2016-04-01`, { method: 'POST', headers, body })).status;
}

beforeAll(async () => {
  proxy = await startQueueProxy(queueEndpoint());
  viaProxy = relay.connectionString.replace(/QueueEndpoint=http:\/\/[^/;]+/, `QueueEndpoint=http://127.0.0.1:${(proxy.address() as AddressInfo).port}`);
  ingestion = await startTestIngestion();
  applyEnv({ ...relay.env, ...ingestion.env, RELAY_STORAGE: viaProxy, RELAY_HEARTBEAT: 'off' });
  // Timers off: the test runs the sweeper itself, so no timer tick races the duplicate it stages.
  runner = await startLocalRunner({ port: 0, timers: false });
});
afterAll(async () => {
  await runner?.close();
  await ingestion?.emulator.close();
  await new Promise((r) => proxy?.close(r));
});

describe('queue unavailable, blob storage working', () => {
  it('registers the sweeper as a timer the local runner runs', () => {
    const timer = runner.registrations.timer.find((t) => t.name === 'sweepParked');
    expect(timer?.schedule).toBe(SWEEP_PARKED_SCHEDULE);
    expect(scheduleSeconds(SWEEP_PARKED_SCHEDULE)).toBe(60);
  });

  it('answers 200, parks the envelopes as blobs, and the sweeper delivers every event once', { timeout: 180_000 }, async () => {
    const run = `parked-${randomBytes(4).toString('hex')}`;
    const small = Array.from({ length: 5 }, (_, n) => ({ run, n }));
    // Incompressible text, so the body needs a claim-check blob as well as a parked envelope.
    const large = Array.from({ length: 20 }, (_, i) => ({ run, n: 100 + i, pad: randomBytes(5_000).toString('hex') }));

    expect(await Promise.all([post(small), post(large)])).toEqual([200, 200]);
    const parked = await parkedNames();
    expect(parked).toHaveLength(2);
    expect(await queueLength(relay.connectionString, relay.queueName)).toBe(0);

    queueAnswer = 'up';
    const health = (await (await fetch(`${runner.url}/api/health`)).json()) as { parked?: { count: number }; problems: Array<{ cause: string }> };
    expect(health.parked?.count).toBe(2);
    expect(health.problems.map((p) => p.cause).join('\n')).toMatch(/2 request\(s\) parked/);

    // A sweep that crashed after queueing the small request's envelope but before deleting its blob.
    const smallBlob = await (async () => {
      for (const name of parked) {
        const text = (await container().getBlobClient(name).downloadToBuffer()).toString('utf8');
        if ((JSON.parse(text) as { recordCount: number }).recordCount === small.length) return text;
      }
      throw new Error('no parked envelope for the small request');
    })();
    const queue = QueueServiceClient.fromConnectionString(relay.connectionString).getQueueClient(relay.queueName);
    await queue.createIfNotExists();
    await queue.sendMessage(smallBlob, { messageTimeToLive: -1 });
    const delivered = async () => {
      const rows = await ingestion.emulator.rows(STREAMS.relayedLogs.stream);
      return rows.map((row) => row.Record as { run?: string; n: number }).filter((r) => r?.run === run).map((r) => r.n);
    };
    await vi.waitFor(async () => {
      expect((await delivered()).sort((a, b) => a - b)).toEqual(small.map((r) => r.n));
      expect(await queueLength(relay.connectionString, relay.queueName)).toBe(0);
    }, { timeout: 60_000, interval: 200 });

    // The sweeper, as the timer runs it: both envelopes go to the queue and their blobs are deleted.
    const sweeper = runner.registrations.timer.find((t) => t.name === 'sweepParked')!;
    await sweeper.handler({} as never, new InvocationContext({ functionName: 'sweepParked', invocationId: 'test', logHandler: () => undefined }));
    expect(await parkedNames()).toEqual([]);

    await vi.waitFor(async () => {
      expect(new Set(await delivered())).toEqual(new Set([...small, ...large].map((r) => r.n)));
      expect(await queueLength(relay.connectionString, relay.queueName)).toBe(0);
    }, { timeout: 90_000, interval: 250 });
    const counts = new Map<number, number>();
    for (const n of await delivered()) counts.set(n, (counts.get(n) ?? 0) + 1);
    // The small request reached the queue twice; its checkpoint made the second copy a no-op.
    expect(small.map((r) => counts.get(r.n))).toEqual(small.map(() => 1));
  });
});

describe('the hand-off and the sweeper, directly', () => {
  // A queue and container of their own: the runner above neither consumes that queue nor sweeps that container.
  const queueName = `${relay.queueName}-direct`;
  const containerName = `${relay.containerName}-direct`;
  const clients = () => createStorageClients({ connectionString: viaProxy }, queueName, containerName);
  const meta = (recordCount: number) => ({
    requestId: randomUUID(),
    door: 'legacy' as const,
    workspaceId: relay.workspaceId,
    logType: 'ParkedUnit',
    receivedAt: new Date().toISOString().replace(/\.\d+Z$/, '.000Z'),
    shape: 'generic' as const,
    recordCount,
  });
  const body = (n: number) => Buffer.from(JSON.stringify(Array.from({ length: n }, (_, i) => ({ i }))));

  it('refuses with 503 and parks nothing when the queue denies access (parking would not help)', async () => {
    queueAnswer = 403;
    await container(containerName).createIfNotExists();
    const before = await parkedNames(containerName);
    const handoff = createStorageHandoff(clients(), () => undefined, { deadlineMs: 0 });
    await expect(handoff.enqueue(meta(2), body(2), 'json')).rejects.toMatchObject({ code: 'ServiceUnavailable' });
    expect(await parkedNames(containerName)).toEqual(before);
    queueAnswer = 'up';
  });

  it('parks a request whose inline message is within the parked mark of the queue limit by claim check, so the sweeper can queue it', { timeout: 60_000 }, async () => {
    // A body whose inline message is 1-14 bytes under 64 KiB: `"parked":true` would push it over.
    const request = meta(1);
    const random = randomBytes(80_000).toString('hex');
    const messageBytes = async (text: string) =>
      JSON.stringify({ v: 1, ...request, payload: { kind: 'inline', encoding: 'br-base64', format: 'json', data: (await compressPayload(Buffer.from(JSON.stringify([{ r: text }])))).toString('base64') } }).length;
    let lo = 30_000;
    let hi = 160_000;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if ((await messageBytes(random.slice(0, mid))) <= 65_536) lo = mid;
      else hi = mid;
    }
    // The longest body whose message fits lands within a few bytes of the limit (a hex character adds about one).
    const chars = lo;
    expect(await messageBytes(random.slice(0, chars))).toBeGreaterThan(65_536 - 14);
    expect(await messageBytes(random.slice(0, chars))).toBeLessThanOrEqual(65_536);

    queueAnswer = 503;
    const handoff = createStorageHandoff(clients(), () => undefined, { deadlineMs: 60_000, queueBudgetMs: 0 });
    const envelope = await handoff.enqueue(request, Buffer.from(JSON.stringify([{ r: random.slice(0, chars) }])), 'json');
    expect(envelope.payload.kind).toBe('blob');
    const parked = container(containerName).getBlobClient(`${PARKED_PREFIX}${request.requestId}.json`);
    expect((await parked.getProperties()).contentLength).toBeLessThanOrEqual(65_536);
    queueAnswer = 'up';
    await clearQueue(relay.connectionString, queueName);
    expect(await sweepParkedEnvelopes(clients())).toMatchObject({ moved: 1, unreadable: 0 });
    const queued = await queuedEnvelopes(relay.connectionString, queueName);
    expect(queued.filter((e) => e.requestId === request.requestId)).toMatchObject([{ parked: true, payload: { kind: 'blob' } }]);
    await clearQueue(relay.connectionString, queueName);
  });

  it('sweeps in bounded runs, and leaves a parked blob that is not an envelope in place', { timeout: 60_000 }, async () => {
    queueAnswer = 503;
    // queueBudgetMs 0: one queue try, then park (the first try always happens, whatever the machine's load).
    const handoff = createStorageHandoff(clients(), () => undefined, { deadlineMs: 60_000, queueBudgetMs: 0 });
    for (let i = 0; i < 5; i++) await handoff.enqueue(meta(3), body(3), 'json');
    const junk = `${PARKED_PREFIX}not-an-envelope.json`;
    await container(containerName).getBlockBlobClient(junk).upload('{}', 2);
    expect(await parkedNames(containerName)).toHaveLength(6);
    queueAnswer = 'up';
    await clearQueue(relay.connectionString, queueName);

    const first = await sweepParkedEnvelopes(clients(), { pageSize: 1, maxPerRun: 2 });
    expect(first).toMatchObject({ moved: 2, more: true });
    const rest = await sweepParkedEnvelopes(clients(), { pageSize: 2 });
    expect(rest).toMatchObject({ moved: 3, unreadable: 1, more: false });
    expect(await parkedNames(containerName)).toEqual([junk]);
    const queued = await queuedEnvelopes(relay.connectionString, queueName);
    expect(queued.filter((e) => e.logType === 'ParkedUnit')).toHaveLength(5);
    expect(queued.every((e) => e.parked === true)).toBe(true);
    expect(await countParkedEnvelopes(container(containerName))).toEqual({ count: 1, atLeast: false });
    await clearQueue(relay.connectionString, queueName);
    await container(containerName).getBlockBlobClient(junk).delete();
  });
});
