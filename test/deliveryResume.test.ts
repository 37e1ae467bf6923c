import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverMessage, type DeliveryDeps } from '../shared/delivery/deliverMessage';
import { blobCheckpoints } from '../shared/delivery/deliveryCheckpoint';
import { createDeliveryDeps } from '../shared/delivery/deliveryRuntime';
import { loadDeliverySettings } from '../shared/delivery/deliverySettings';
import { createUploadFn, type UploadFn } from '../shared/delivery/ingestionClient';
import type { Envelope } from '../shared/handoff/queueEnvelope';
import { listPoison } from '../shared/handoff/redrive';
import { relayRuntime } from '../shared/settings/relayRuntime';
import { STREAMS } from '../shared/mapping/streamSchemas';
import { startTestIngestion, type TestIngestion } from './support/deliveryEnv';
import { applyEnv, testRelay } from './support/relayEnv';

const RECORDS = 12_000;
const relay = testRelay('resume');
let ingestion: TestIngestion;

beforeAll(async () => {
  ingestion = await startTestIngestion();
  applyEnv({ ...relay.env, ...ingestion.env });
});
afterAll(() => ingestion?.emulator.close());

/** A real message, written by the door's hand-off: 12,000 generic records, claim-checked or not as the hand-off decides. */
async function acceptedMessage(marker: string): Promise<Envelope> {
  const body = Buffer.from(JSON.stringify(Array.from({ length: RECORDS }, (_, n) => ({ n, run: marker, pad: `${n}`.repeat(8) }))));
  const meta = { requestId: randomUUID(), door: 'legacy' as const, workspaceId: relay.workspaceId, logType: 'ResumeTest', receivedAt: new Date().toISOString(), shape: 'generic' as const, recordCount: RECORDS };
  return relayRuntime().handoff.enqueue(meta, body, 'json');
}

/** A fresh worker's delivery; calls of ~100 KB so one message makes dozens of calls. */
function worker(upload?: UploadFn): DeliveryDeps {
  return { ...createDeliveryDeps(loadDeliverySettings(process.env), upload, { flushBytes: 100_000, lingerMs: 10 }), log: () => undefined };
}

/** Each delivered record number of a run, with how many times it landed. */
async function landed(marker: string): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (const row of await ingestion.emulator.rows(STREAMS.relayedLogs.stream)) {
    const record = row.Record as { run?: string; n: number };
    if (record?.run === marker) counts.set(record.n, (counts.get(record.n) ?? 0) + 1);
  }
  return counts;
}

describe('delivery reads a message in slices and keeps a checkpoint', () => {
  it('delivers every record once, and a redelivery after full delivery neither re-sends nor poisons', async () => {
    const marker = randomUUID();
    const envelope = await acceptedMessage(marker);
    expect(await deliverMessage(JSON.stringify(envelope), worker())).toBe('delivered');
    expect(await blobCheckpoints(relayRuntime().storage.container).read(envelope)).toEqual({ recordsDone: RECORDS, complete: true });
    const calls = ingestion.emulator.stats().calls;
    expect(await deliverMessage(JSON.stringify(envelope), worker())).toBe('delivered');
    expect(ingestion.emulator.stats().calls).toBe(calls);
    const counts = await landed(marker);
    expect(counts.size).toBe(RECORDS);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect((await listPoison(relayRuntime().storage)).total).toBe(0);
  });

  it('resumes after the records a failed attempt had delivered, instead of starting over', async () => {
    const marker = randomUUID();
    const envelope = await acceptedMessage(marker);
    const real = createUploadFn(loadDeliverySettings(process.env));
    let calls = 0;
    // The 15th call and later are refused for good (as a 400 is): the message is poisoned part-way through.
    const failing: UploadFn = async (...args) => {
      if (++calls >= 15) throw Object.assign(new Error('refused'), { name: 'RestError', statusCode: 400 });
      return real(...args);
    };
    expect(await deliverMessage(JSON.stringify(envelope), worker(failing))).toBe('poisoned');
    const { recordsDone, complete } = await blobCheckpoints(relayRuntime().storage.container).read(envelope);
    expect(complete).toBe(false);
    expect(recordsDone).toBeGreaterThan(0);
    expect(recordsDone).toBeLessThan(RECORDS);
    const before = await landed(marker);
    for (let n = 0; n < recordsDone; n++) expect(before.get(n), `record ${n}`).toBe(1);

    // Redriven (the same message text): only what was not done is sent.
    expect(await deliverMessage(JSON.stringify(envelope), worker())).toBe('delivered');
    const after = await landed(marker);
    expect(after.size).toBe(RECORDS);
    for (let n = 0; n < recordsDone; n++) expect(after.get(n), `record ${n} sent again`).toBe(1);
  });
});
