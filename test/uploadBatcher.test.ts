import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '../shared/delivery/deliveryError';
import type { UploadTarget } from '../shared/mapping/deliveryRoutes';
import { loadDeliverySettings } from '../shared/delivery/deliverySettings';
import { createUploadFn } from '../shared/delivery/ingestionClient';
import { createUploadBatcher } from '../shared/delivery/uploadBatcher';
import { STREAMS } from '../shared/mapping/streamSchemas';
import { startTestIngestion, TEST_DCR, type TestIngestion } from './support/deliveryEnv';

// The real upload path (the SDK's pipeline, our body) against the emulator: what is under test is how the relay
// reacts to what the service answers.
let ingestion: TestIngestion;
let target: UploadTarget;
const stream = STREAMS.relayedLogs.stream;

beforeAll(async () => {
  ingestion = await startTestIngestion();
  target = { name: 'generic', endpoint: ingestion.emulator.url, dcrImmutableId: TEST_DCR, stream };
});
afterAll(() => ingestion?.emulator.close());
beforeEach(() => {
  ingestion.emulator.setFaults({ fraction: 0 });
  ingestion.emulator.reset();
});

const upload = () => createUploadFn(loadDeliverySettings({ ...ingestion.env }));
// Rows as the mappers hand them over: each row's JSON text.
const rows = (tag: string, n: number, pad = 400) =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ TimeGenerated: new Date().toISOString(), LogType: 'T', EventId: `${tag}-${i}`, Record: { pad: 'x'.repeat(pad) } }));
const idsOf = (texts: string[]) => texts.map((t) => String((JSON.parse(t) as { EventId: string }).EventId));
const storedIds = async () => (await ingestion.emulator.rows(stream)).map((r) => String(r.EventId));

describe('upload batcher against the Logs Ingestion emulator', () => {
  it('packs the rows of many messages into calls close to 1 MB', async () => {
    const batcher = createUploadBatcher({ upload: upload(), lingerMs: 50 });
    await Promise.all(Array.from({ length: 20 }, (_, m) => batcher.submit(target, rows(`m${m}`, 250))));
    const stats = ingestion.emulator.stats();
    expect(stats.acceptedRows).toBe(5000);
    expect(stats.requestBytes.count).toBeLessThanOrEqual(4);
    expect(stats.requestBytes.max).toBeGreaterThan(900_000);
    expect(stats.requestBytes.max).toBeLessThanOrEqual(1_048_576);
  });

  it('retries a 429 without Retry-After with its own backoff (the SDK gives up at once)', async () => {
    ingestion.emulator.setFaults({ fraction: 1, kinds: ['429'] });
    const batcher = createUploadBatcher({ upload: upload(), lingerMs: 10, backoffMs: 200, maxAttempts: 6 });
    const done = batcher.submit(target, rows('throttled', 10));
    await new Promise((r) => setTimeout(r, 700));
    expect(ingestion.emulator.stats().responses['429']).toBeGreaterThanOrEqual(2);
    ingestion.emulator.setFaults({ fraction: 0 });
    await done;
    expect((await storedIds()).sort()).toEqual(idsOf(rows('throttled', 10)).sort());
  });

  it('resends only the rows of the calls that failed, so nothing is stored twice', async () => {
    // About 5.4 MB: six calls, some of which get a 429 (no SDK retry) and go again after the backoff.
    ingestion.emulator.setFaults({ fraction: 0.4, kinds: ['429'], seed: 4 });
    const batcher = createUploadBatcher({ upload: upload(), lingerMs: 10, backoffMs: 50, maxAttempts: 10 });
    await batcher.submit(target, rows('partial', 12_000));
    const stats = ingestion.emulator.stats();
    expect(stats.responses['429']).toBeGreaterThan(0);
    expect(stats.requestBytes.max).toBeLessThanOrEqual(1_000_000);
    const ids = await storedIds();
    expect(ids).toHaveLength(12_000);
    expect(new Set(ids).size).toBe(12_000);
    expect(batcher.stats().retriedRows).toBeGreaterThan(0);
    expect(batcher.stats().retriedRows).toBeLessThan(12_000);
  });

  it('holds a partial call while a message is still mapping, and sends it once every message waits', async () => {
    // A minute's linger: a call before the mapping message closed could only come from the rule under test failing.
    const batcher = createUploadBatcher({ upload: upload(), maxLingerMs: 60_000 });
    const mapping = batcher.producer();
    const first = batcher.submit(target, rows('first', 10));
    await new Promise((r) => setImmediate(r));
    const second = batcher.submit(target, rows('second', 10));
    mapping.close();
    await Promise.all([first, second]);
    expect(ingestion.emulator.stats().requestBytes.count).toBe(1);
    expect(batcher.stats()).toMatchObject({ calls: 1, rows: 20, lingerExpired: 0 });
  });

  it('sends one-record messages together as soon as all of them wait, without waiting out a linger', async () => {
    const batcher = createUploadBatcher({ upload: upload(), lingerMs: 60_000, maxLingerMs: 60_000 });
    await Promise.all(
      Array.from({ length: 32 }, (_, m) => {
        const producer = batcher.producer();
        const done = batcher.submit(target, rows(`one-${m}`, 1));
        producer.close();
        return done;
      }),
    );
    expect(ingestion.emulator.stats().acceptedRows).toBe(32);
    expect(batcher.stats()).toMatchObject({ calls: 1, lingerExpired: 0 });
  });

  it('gives up with a transient error after its attempts, for the message to be deferred', async () => {
    ingestion.emulator.setFaults({ fraction: 1, kinds: ['429'] });
    const batcher = createUploadBatcher({ upload: upload(), lingerMs: 10, backoffMs: 20, maxAttempts: 3 });
    const error = await batcher.submit(target, rows('hopeless', 3)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error).toMatchObject({ kind: 'transient', statusCode: 429 });
  });

  it('reports 403 and 404 as configuration errors and logs the fix once', async () => {
    const logs: string[] = [];
    const batcher = createUploadBatcher({ upload: upload(), lingerMs: 10, log: (m) => logs.push(m) });
    ingestion.emulator.setFaults({ fraction: 1, kinds: ['403'] });
    for (const tag of ['a', 'b']) {
      await expect(batcher.submit(target, rows(tag, 2))).rejects.toMatchObject({ kind: 'configuration', statusCode: 403 });
    }
    expect(logs.filter((l) => l.includes('Monitoring Metrics Publisher'))).toHaveLength(1);
    ingestion.emulator.setFaults({ fraction: 0 });
    const unknownDcr = { ...target, dcrImmutableId: 'dcr-ffffffffffffffffffffffffffffffff' };
    await expect(batcher.submit(unknownDcr, rows('c', 1))).rejects.toMatchObject({ kind: 'configuration', statusCode: 404 });
    expect(logs.some((l) => l.includes('RELAY_DCR_IMMUTABLE_ID'))).toBe(true);
  });

  it("refuses only the message whose rows the service refuses for good; the others' rows get through", async () => {
    const batcher = createUploadBatcher({ upload: upload(), lingerMs: 30 });
    // A row over 1 MB that nothing fitted first: the service answers 413, which no retry can fix.
    const good = batcher.submit(target, rows('good', 20));
    const bad = batcher.submit(target, [JSON.stringify({ TimeGenerated: new Date().toISOString(), EventId: 'bad', Record: { pad: 'y'.repeat(1_100_000) } })]);
    await expect(bad).rejects.toMatchObject({ kind: 'permanent', statusCode: 413 });
    await good;
    expect((await storedIds()).filter((id) => id.startsWith('good'))).toHaveLength(20);
  });
});
