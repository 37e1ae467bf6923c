import { app } from '@azure/functions';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { applyEnv, testRelay } from './support/relayEnv';

const relay = testRelay('registration');
let calls: Array<Parameters<typeof app.http>> = [];
let queueCalls: Array<Parameters<typeof app.storageQueue>> = [];

beforeAll(async () => {
  const http = vi.spyOn(app, 'http');
  const storageQueue = vi.spyOn(app, 'storageQueue');
  applyEnv(relay.env);
  await import('../functions/legacyLogs');
  await import('../functions/keeperEvents');
  await import('../functions/deliver');
  calls = [...http.mock.calls];
  queueCalls = [...storageQueue.mock.calls];
  http.mockRestore();
  storageQueue.mockRestore();
});

function registered(name: string) {
  const call = calls.find(([n]) => n === name);
  expect(call, `app.http('${name}', ...) was not called`).toBeDefined();
  return call![1];
}

describe('function registration', () => {
  it('registers POST /api/logs as anonymous (the SharedKey signature authenticates)', async () => {
    const options = registered('legacyLogs');
    expect(options).toMatchObject({ route: 'logs', methods: ['POST'], authLevel: 'anonymous' });
    const { legacyLogs } = await import('../functions/legacyLogs');
    expect(options.handler).toBe(legacyLogs);
  });

  it('registers POST /api/keeper/events behind a function key', async () => {
    const options = registered('keeperEvents');
    expect(options).toMatchObject({ route: 'keeper/events', methods: ['POST'], authLevel: 'function' });
    const { keeperEvents } = await import('../functions/keeperEvents');
    expect(options.handler).toBe(keeperEvents);
  });

  it('registers the delivery function on the relay queue, through the RELAY_STORAGE connection', async () => {
    expect(queueCalls).toHaveLength(1);
    const [name, options] = queueCalls[0]!;
    expect(name).toBe('deliver');
    expect(options).toMatchObject({ queueName: '%RELAY_QUEUE_NAME%', connection: 'RELAY_STORAGE' });
    const { deliver } = await import('../functions/deliver');
    expect(options.handler).toBe(deliver);
  });

  it('registers nothing else over HTTP', () => {
    expect(calls.map(([name]) => name).sort()).toEqual(['keeperEvents', 'legacyLogs']);
  });
});
