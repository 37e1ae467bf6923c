import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { heartbeatEventSchema } from '../shared/operations/heartbeat';
import { STREAMS } from '../shared/mapping/streamSchemas';
import { startLocalRunner, type LocalRunner } from '../tools/localRunner';
import { scheduleSeconds } from '../tools/localTimers';
import { startTestIngestion, type TestIngestion } from './support/deliveryEnv';
import { applyEnv, testRelay } from './support/relayEnv';

/** The heartbeat timer through the real queue (Azurite), queue trigger and Logs Ingestion emulator. */
const relay = testRelay('heartbeat');
let ingestion: TestIngestion;
let runner: LocalRunner;

beforeAll(async () => {
  ingestion = await startTestIngestion();
  // Every second, so the test sees several intervals quickly; production's default is every 5 minutes.
  applyEnv({ ...relay.env, ...ingestion.env, RELAY_HEARTBEAT_SCHEDULE: '*/1 * * * * *' });
  runner = await startLocalRunner({ port: 0 });
});
afterAll(async () => {
  await runner?.close();
  await ingestion?.emulator.close();
});

describe('heartbeat', () => {
  it('reads the NCRONTAB forms the project uses', () => {
    expect(scheduleSeconds('0 */5 * * * *')).toBe(300);
    expect(scheduleSeconds('*/10 * * * * *')).toBe(10);
    expect(scheduleSeconds('0 0 */1 * * *')).toBe(3600);
    expect(scheduleSeconds('0 30 9 * * 1-5')).toBeUndefined();
  });

  it('lands one row per interval in RelayHeartbeat_CL through the queue and upload path', { timeout: 60_000 }, async () => {
    expect(runner.registrations.timer.map((t) => t.name)).toContain('heartbeat');
    const rows = await vi.waitFor(
      async () => {
        const r = await ingestion.emulator.rows(STREAMS.relayHeartbeat.stream);
        expect(r.length).toBeGreaterThanOrEqual(3);
        return r;
      },
      { timeout: 50_000, interval: 250 },
    );
    expect(new Set(rows.map((r) => r.HeartbeatId)).size).toBe(rows.length);
    for (const row of rows) {
      expect(Object.keys(row).sort()).toEqual(STREAMS.relayHeartbeat.columns.map((c) => c.name).sort());
      expect(row.Status).toBe('healthy');
      expect(row.LagSeconds).toBeGreaterThanOrEqual(0);
      expect(row.TimeGenerated).toBe(row.SentAt);
    }
    const sent = rows.map((r) => Date.parse(String(r.SentAt))).sort();
    expect(sent.at(-1)! > sent[0]!).toBe(true);
    expect(heartbeatEventSchema.shape.status.options).toContain(rows[0]!.Status);
  });
});
