import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HealthReport } from '../shared/operations/health';
import { startLocalRunner, type LocalRunner } from '../tools/localRunner';
import { main as statusCli } from '../tools/status';
import { startTestIngestion, type TestIngestion } from './support/deliveryEnv';
import { legacyHeaders } from './support/legacyRequest';
import { applyEnv, testRelay } from './support/relayEnv';

/** `npm run status` against the local relay: a 20,000-event backlog builds while no worker runs, then drains. */
const relay = testRelay('status');
let ingestion: TestIngestion;
const runners: LocalRunner[] = [];

beforeAll(async () => {
  ingestion = await startTestIngestion();
  applyEnv({ ...relay.env, ...ingestion.env, RELAY_KEEPER_CL_ENABLED: 'false', RELAY_STATUS_WRITE_SECONDS: '1', RELAY_HEARTBEAT: 'off' });
});
afterAll(async () => {
  for (const r of runners) await r.close();
  await ingestion?.emulator.close();
});

async function status(args: string[] = []): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
  try {
    return { code: await statusCli(args), text: lines.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

const report = async () => JSON.parse((await status(['--json'])).text) as HealthReport;

describe('npm run status', () => {
  it('shows the backlog of a 20,000-event run growing with no worker, and draining once one runs', { timeout: 180_000 }, async () => {
    const http = await startLocalRunner({ port: 0, queues: false });
    runners.push(http);
    expect(await report()).toMatchObject({ status: 'healthy', queue: { name: relay.queueName, depth: 0 } });

    for (let post = 0; post < 80; post++) {
      const body = JSON.stringify(Array.from({ length: 250 }, (_, i) => ({ audit_event: 'login', username: `u${i}@x.com`, enterprise_id: 6557, timestamp: new Date().toISOString(), seq: post * 250 + i })));
      const headers = legacyHeaders({ workspaceId: relay.workspaceId, key: relay.primaryKey, body });
      delete headers['Content-Length'];
      expect((await fetch(`${http.url}/api/logs?api-version=2016-04-01`, { method: 'POST', headers, body })).status).toBe(200);
      if (post === 39) expect((await report()).queue.depth).toBe(40);
    }
    const grown = await status();
    expect(grown.code).toBe(0);
    expect(grown.text).toMatch(new RegExp(`Queue +${relay.queueName}: 80 waiting, oldest received \\d+ s ago`));

    runners.push(await startLocalRunner({ port: 0 }));
    const drained = await vi.waitFor(
      async () => {
        const r = await report();
        expect(r.queue.depth).toBe(0);
        expect(r.rowsLastHour).toContainEqual({ logType: 'Keeper', stream: 'Custom-KeeperSecurityEventNewLogs', rows: 20_000 });
        return r;
      },
      { timeout: 150_000, interval: 500 },
    );
    expect(drained.status).toBe('healthy');
    const table = (await status()).text;
    expect(table).toMatch(/Keeper +Custom-KeeperSecurityEventNewLogs +20,000/);
    expect(table).toMatch(/Custom-KeeperSecurityEventNewLogs +\d{4}-\d\d-\d\dT[\d:]+Z \(\d+ s ago\) +-/);
  });

  it('prints --help and refuses unknown flags', async () => {
    expect((await status(['--help'])).text).toMatch(/--watch/);
    await expect(statusCli(['--jsn'])).rejects.toThrow(/Unknown option '--jsn'/);
  });
});
