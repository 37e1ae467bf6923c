import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HealthReport } from '../shared/operations/health';
import { startAzurite, type RunningAzurite } from '../tools/azurite';
import { main as statusCli } from '../tools/status';
import { freePort } from '../tools/freePort';
import { startLocalRunner, type LocalRunner } from '../tools/localRunner';
import { startTestIngestion, type TestIngestion } from './support/deliveryEnv';
import { keeperPushEvents } from './support/keeperSamples';
import { legacyHeaders } from './support/legacyRequest';
import { applyEnv, testRelay } from './support/relayEnv';

/**
 * /api/health against the local relay's real handlers, its own Azurite (stopped and restarted on the same ports, data
 * on disk) and the Logs Ingestion emulator answering 403 as while a role assignment propagates.
 */
const relay = testRelay('health');
let azurite: RunningAzurite;
let ports: { blobPort: number; queuePort: number; tablePort: number; location: string };
let ingestion: TestIngestion;
let runner: LocalRunner;

beforeAll(async () => {
  ports = { blobPort: await freePort(), queuePort: await freePort(), tablePort: await freePort(), location: mkdtempSync(path.join(tmpdir(), 'relay-health-azurite-')) };
  azurite = await startAzurite(ports);
  ingestion = await startTestIngestion();
  applyEnv({ ...relay.env, ...ingestion.env, RELAY_STORAGE: azurite.connectionString, RELAY_KEEPER_CL_ENABLED: 'false' });
  runner = await startLocalRunner({ port: 0 });
});
afterAll(async () => {
  await runner?.close();
  await ingestion?.emulator.close();
  await azurite?.stop();
});

async function health(): Promise<{ status: number; report: HealthReport }> {
  const response = await fetch(`${runner.url}/api/health`);
  return { status: response.status, report: (await response.json()) as HealthReport };
}

async function post(): Promise<number> {
  const body = JSON.stringify(keeperPushEvents);
  const headers = legacyHeaders({ workspaceId: relay.workspaceId, key: relay.primaryKey, body });
  delete headers['Content-Length'];
  return (await fetch(`${runner.url}/api/logs?api-version=2016-04-01`, { method: 'POST', headers, body })).status;
}

const poll = { timeout: 50_000, interval: 250 };

describe('GET /api/health', () => {
  it('is healthy with an empty queue and no problems', async () => {
    const { status, report } = await health();
    expect(status).toBe(200);
    expect(report).toMatchObject({ status: 'healthy', storage: { reachable: true }, queue: { name: relay.queueName }, poison: { depth: 0 }, problems: [] });
  });

  it('is what npm run status -- --url prints', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
    try {
      expect(await statusCli(['--url', runner.url])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(lines.join('\n')).toMatch(new RegExp(`Overall +HEALTHY \\(HTTP 200\\)[\\s\\S]*Queue +${relay.queueName}: 0 waiting`));
  });

  it('is degraded with the 403 and its fix while Logs Ingestion refuses the token, and healthy again once it accepts', { timeout: 120_000 }, async () => {
    ingestion.emulator.setFaults({ fraction: 1, kinds: ['403'] });
    expect(await post()).toBe(200);
    const degraded = await vi.waitFor(async () => {
      const h = await health();
      expect(h.report.status).toBe('degraded');
      return h;
    }, poll);
    expect(degraded.status).toBe(200); // intake still works: no reason for a load balancer to drop the instance
    expect(degraded.report.problems.map((p) => p.cause).join('\n')).toMatch(/Logs Ingestion answers 403 for Custom-KeeperSecurityEventNewLogs/);
    expect(degraded.report.problems[0]!.fix).toMatch(/Monitoring Metrics Publisher/);

    ingestion.emulator.setFaults({ fraction: 0 });
    const healed = await vi.waitFor(async () => {
      const h = await health();
      expect(h.report).toMatchObject({ status: 'healthy', queue: { depth: 0 } });
      return h;
    }, poll);
    expect(healed.status).toBe(200);
    expect(healed.report.destinations.find((d) => d.stream === 'Custom-KeeperSecurityEventNewLogs')?.lastSuccessAt).toBeDefined();
    expect(healed.report.rowsLastHour).toContainEqual({ logType: 'Keeper', stream: 'Custom-KeeperSecurityEventNewLogs', rows: keeperPushEvents.length });
  });

  it('answers 503 degraded "storage unreachable" while Azurite is stopped, and healthy again after it restarts', { timeout: 120_000 }, async () => {
    await azurite.stop();
    const down = await health();
    expect(down.status).toBe(503);
    expect(down.report).toMatchObject({ status: 'degraded', storage: { reachable: false } });
    expect(down.report.problems[0]!.cause).toMatch(/^storage unreachable/);
    expect(down.report.problems[0]!.fix).toMatch(/Azurite/);

    azurite = await startAzurite(ports);
    const up = await vi.waitFor(async () => {
      const h = await health();
      expect(h.status).toBe(200);
      return h;
    }, poll);
    expect(up.report).toMatchObject({ status: 'healthy', storage: { reachable: true } });
  });
});
