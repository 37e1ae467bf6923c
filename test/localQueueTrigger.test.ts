import { randomBytes } from 'node:crypto';
import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startQueueTrigger, type HostQueueSettings, type QueueTriggerRunner } from '../tools/localQueueTrigger';
import { applyEnv, testRelay } from './support/relayEnv';

const relay = testRelay('trigger');
applyEnv(relay.env);
const service = QueueServiceClient.fromConnectionString(relay.connectionString);
const HOST: HostQueueSettings = { batchSize: 1, newBatchThreshold: 0, maxDequeueCount: 2, visibilityTimeout: '00:00:00', maxPollingInterval: '00:00:01' };
const runners: QueueTriggerRunner[] = [];
afterAll(() => runners.forEach((r) => r.kill()));

async function freshQueue(): Promise<string> {
  const name = `trigger-${randomBytes(4).toString('hex')}`;
  await service.getQueueClient(name).create();
  return name;
}

describe('the local queue trigger behaves like the Storage Queues extension', () => {
  it('renews the lease of a message in flight, so a long invocation is not delivered twice', async () => {
    const queueName = await freshQueue();
    await service.getQueueClient(queueName).sendMessage('long job');
    let invocations = 0;
    // An 8 s lease, renewed every 4 s; the invocation lasts until two renewals happened (past the first lease).
    const runner: QueueTriggerRunner = startQueueTrigger(
      'long',
      {
        queueName,
        connection: 'RELAY_STORAGE',
        handler: async () => {
          invocations++;
          await vi.waitFor(() => expect(runner.counts().renewed).toBeGreaterThanOrEqual(2), { timeout: 60_000, interval: 100 });
        },
      },
      HOST,
      8,
    );
    runners.push(runner);
    await vi.waitFor(() => expect(runner.counts().succeeded).toBe(1), { timeout: 60_000, interval: 200 });
    expect(invocations).toBe(1);
    expect((await service.getQueueClient(queueName).getProperties()).approximateMessagesCount).toBe(0);
    await runner.stop();
  });

  it('poisons a message that exceeded maxDequeueCount without completing (it crashed the worker), without invoking it', async () => {
    const queueName = await freshQueue();
    const queue = service.getQueueClient(queueName);
    await queue.sendMessage('crashes the worker');
    // Three receives that never completed, as a worker dying mid-invocation leaves them.
    for (let i = 0; i < 3; i++) {
      const [m] = (await queue.receiveMessages({ visibilityTimeout: 60 })).receivedMessageItems;
      await queue.updateMessage(m!.messageId, m!.popReceipt, undefined, 0);
    }
    let invoked = false;
    const runner = startQueueTrigger('crashy', { queueName, connection: 'RELAY_STORAGE', handler: async () => void (invoked = true) }, HOST, 30);
    runners.push(runner);
    await vi.waitFor(() => expect(runner.counts().poisoned).toBe(1), { timeout: 30_000, interval: 200 });
    expect(invoked).toBe(false);
    const poisoned = (await service.getQueueClient(`${queueName}-poison`).peekMessages()).peekedMessageItems;
    expect(poisoned.map((m) => m.messageText)).toEqual(['crashes the worker']);
    await runner.stop();
  });
});
