import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverMessage } from '../shared/delivery/deliverMessage';
import { createDeliveryDeps } from '../shared/delivery/deliveryRuntime';
import { loadDeliverySettings } from '../shared/delivery/deliverySettings';
import { eventId } from '../shared/mapping/eventId';
import { listPoison } from '../shared/handoff/redrive';
import { relayRuntime } from '../shared/settings/relayRuntime';
import { STREAMS } from '../shared/mapping/streamSchemas';
import { startQueueTrigger, type QueueTriggerRunner } from '../tools/localQueueTrigger';
import { startLocalRunner, type LocalRunner } from '../tools/localRunner';
import { eventually, startTestIngestion, type TestIngestion } from './support/deliveryEnv';
import { legacyHeaders } from './support/legacyRequest';
import { queueLength } from './support/queueInspection';
import { applyEnv, testRelay } from './support/relayEnv';

const EVENTS = 20_000;
const PER_POST = 250;
const relay = testRelay('faultrun');
let ingestion: TestIngestion;
let http: LocalRunner;
const workers: QueueTriggerRunner[] = [];

/**
 * A fresh worker: its own settings, SDK clients and upload batcher, like a new Functions worker process.
 * Calls of ~100 KB instead of ~1 MB: 20,000 events then make well over a hundred upload calls, so every fault
 * kind is drawn many times (full-size calls would make only about fifteen).
 */
function startWorker(): QueueTriggerRunner {
  const deps = createDeliveryDeps(loadDeliverySettings(process.env), undefined, { flushBytes: 100_000 });
  const worker = startQueueTrigger('deliver', {
    queueName: '%RELAY_QUEUE_NAME%',
    connection: 'RELAY_STORAGE',
    handler: async (message) => void (await deliverMessage(message, { ...deps, log: () => undefined })),
  });
  workers.push(worker);
  return worker;
}

beforeAll(async () => {
  ingestion = await startTestIngestion();
  applyEnv({ ...relay.env, ...ingestion.env, RELAY_KEEPER_CL_ENABLED: 'false' });
  http = await startLocalRunner({ port: 0, queues: false });
});
afterAll(async () => {
  for (const w of workers) w.kill();
  await http?.close();
  await ingestion?.emulator.close();
});

function keeperEvent(i: number): Record<string, unknown> {
  return {
    audit_event: ['login', 'record_update', 'role_created', 'share_added'][i % 4],
    remote_address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    category: 'usage',
    client_version: 'Web App.14.2.4',
    username: `user${i % 977}@company.com`,
    enterprise_id: 6557,
    timestamp: new Date(Date.now() - i * 1000).toISOString(),
    record_uid: `rec-${i}`,
    seq: i,
  };
}

describe('fault run: 20,000 events, a third of upload calls failing in every injected way, worker restarted mid-run', () => {
  it('delivers every event at least once, none missing', { timeout: 240_000 }, async () => {
    ingestion.emulator.setFaults({ fraction: 1 / 3, kinds: ['429-retry-after', '429', '500', '503', '403', '404', 'reset', 'slow'], seed: 20_000, slowMs: 300 });
    const events = Array.from({ length: EVENTS }, (_, i) => keeperEvent(i));
    const expected = new Set(events.map((e) => eventId(relay.workspaceId, 'Keeper', JSON.stringify(e))));
    expect(expected.size).toBe(EVENTS);

    let worker = startWorker();
    // Senders post while the worker delivers: 80 Commander-sized posts, 8 at a time.
    for (let start = 0; start < EVENTS; start += PER_POST * 8) {
      await Promise.all(
        Array.from({ length: 8 }, async (_, k) => {
          const from = start + k * PER_POST;
          if (from >= EVENTS) return;
          const body = JSON.stringify(events.slice(from, from + PER_POST));
          const headers = legacyHeaders({ workspaceId: relay.workspaceId, key: relay.primaryKey, body });
          delete headers['Content-Length'];
          const response = await fetch(`${http.url}/api/logs?api-version=2016-04-01`, { method: 'POST', headers, body });
          expect(response.status).toBe(200);
        }),
      );
    }

    // Crash the worker mid-run: its in-flight messages are neither completed nor failed, and reappear after the lease.
    await eventually(async () => expect(ingestion.emulator.stats().acceptedRows).toBeGreaterThan(EVENTS / 4), 60_000, 100);
    worker.kill();
    const rowsAtCrash = ingestion.emulator.stats().acceptedRows;
    expect(rowsAtCrash).toBeLessThan(EVENTS);
    worker = startWorker();

    const delivered = await eventually(
      async () => {
        const ids = new Set((await ingestion.emulator.rows(STREAMS.keeperSentinel.stream)).map((r) => (r.data as { relay_event_id: string }).relay_event_id));
        const missing = [...expected].filter((id) => !ids.has(id));
        expect(missing.length, `${missing.length} events not delivered yet`).toBe(0);
        return ids;
      },
      200_000,
      1000,
    );
    expect(delivered.size).toBeGreaterThanOrEqual(EVENTS);

    const stats = ingestion.emulator.stats();
    console.log('fault run:', JSON.stringify({ calls: stats.calls, faults: stats.faults, responses: stats.responses, acceptedRows: stats.acceptedRows, rowsAtCrash }));
    // The faults really happened, of every kind, on about a third of the calls.
    for (const kind of ['429-retry-after', '429', '500', '503', '403', '404', 'reset', 'slow']) expect(stats.faults[kind] ?? 0, kind).toBeGreaterThan(0);
    const faults = Object.values(stats.faults).reduce((a, b) => a + b, 0);
    expect(faults).toBeGreaterThan(stats.calls / 4);
    expect((await listPoison(relayRuntime().storage)).total).toBe(0);
    await eventually(async () => expect(await queueLength(relay.connectionString, relay.queueName)).toBe(0), 60_000, 500);
  });
});
