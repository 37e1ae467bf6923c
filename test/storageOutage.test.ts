import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../tools/azurite';
import { freePort } from '../tools/freePort';
import { startLocalRunner, type LocalRunner } from '../tools/localRunner';
import { STREAMS } from '../shared/mapping/streamSchemas';
import { eventually, startTestIngestion, type TestIngestion } from './support/deliveryEnv';
import { legacyHeaders } from './support/legacyRequest';
import { applyEnv, testRelay } from './support/relayEnv';

/**
 * Azurite stopped for 30 s under a running relay (HTTP door and queue trigger in this process, as `npm start` runs
 * them): nothing crashes (an unhandled rejection fails the run), every post the relay answered 200 lands, and a
 * sender that retries a 503 (as Vector does) loses nothing either.
 */
const OUTAGE_MS = 30_000;
const PER_POST = 20;
const relay = testRelay('outage');
let ingestion: TestIngestion;
let runner: LocalRunner;
let azurite: RunningAzurite;
const location = mkdtempSync(path.join(tmpdir(), 'relay-outage-azurite-'));
let ports: { blobPort: number; queuePort: number; tablePort: number };

beforeAll(async () => {
  ports = { blobPort: await freePort(), queuePort: await freePort(), tablePort: await freePort() };
  azurite = await startAzurite({ location, ...ports });
  ingestion = await startTestIngestion();
  applyEnv({ ...relay.env, ...ingestion.env, RELAY_STORAGE: azurite.connectionString, RELAY_LOCAL_QUEUE_LEASE_SECONDS: '20' });
  runner = await startLocalRunner({ port: 0 });
});
afterAll(async () => {
  await runner?.close();
  await azurite?.stop();
  await ingestion?.emulator.close();
});

describe('storage outage of 30 s during a run', () => {
  it('neither crashes the relay nor loses an accepted event', { timeout: 240_000 }, async () => {
    const marker = `outage-${Date.now()}`;
    const accepted = new Set<number>();
    const answers: Record<string, number> = {};
    let next = 0;
    let sending = true;

    /** One sender posting batches back to back, retrying a batch after 1 s on anything but 200. */
    const sender = (async () => {
      while (sending) {
        const first = next;
        next += PER_POST;
        const body = JSON.stringify(Array.from({ length: PER_POST }, (_, i) => ({ run: marker, n: first + i })));
        for (;;) {
          const headers = legacyHeaders({ workspaceId: relay.workspaceId, key: relay.primaryKey, body, logType: 'OutageTest' });
          const status = await fetch(`${runner.url}/api/logs?api-version=2016-04-01`, { method: 'POST', headers, body }).then(
            (r) => r.status,
            () => 0,
          );
          answers[status] = (answers[status] ?? 0) + 1;
          if (status === 200) break;
          await new Promise((r) => setTimeout(r, 1000));
        }
        for (let i = 0; i < PER_POST; i++) accepted.add(first + i);
      }
    })();

    await eventually(async () => expect(accepted.size).toBeGreaterThanOrEqual(10 * PER_POST), 60_000, 100);
    await azurite.stop();
    const stoppedAt = Date.now();
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    azurite = await startAzurite({ location, ...ports });
    const outageMs = Date.now() - stoppedAt;
    const acceptedAtRestart = accepted.size;
    await eventually(async () => expect(accepted.size).toBeGreaterThanOrEqual(acceptedAtRestart + 10 * PER_POST), 60_000, 100);
    sending = false;
    await sender;

    const delivered = await eventually(
      async () => {
        const ns = new Set((await ingestion.emulator.rows(STREAMS.relayedLogs.stream)).map((row) => (row.Record as { run?: string; n: number })).filter((r) => r?.run === marker).map((r) => r.n));
        const missing = [...accepted].filter((n) => !ns.has(n));
        expect(missing.length, `${missing.length} accepted events not delivered yet`).toBe(0);
        return ns;
      },
      120_000,
      1000,
    );
    console.log('storage outage:', JSON.stringify({ outageMs, accepted: accepted.size, delivered: delivered.size, answers }));
    expect(delivered.size).toBeGreaterThanOrEqual(accepted.size);
  });
});
