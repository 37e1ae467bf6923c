import { beforeAll, describe, expect, it } from 'vitest';
import { listPoison, redrivePoison } from '../shared/redrive';
import { loadSettings } from '../shared/settings';
import { createStorageClients, type StorageClients } from '../shared/storageClients';
import { testEnvelope } from './support/envelopes';
import { applyEnv, testRelay } from './support/relayEnv';

const relay = testRelay('redrive');
let storage: StorageClients;

beforeAll(async () => {
  applyEnv(relay.env);
  const settings = loadSettings(process.env);
  storage = createStorageClients(settings.storage, settings.queueName, settings.blobContainer);
  await storage.queue.createIfNotExists();
  await storage.poisonQueue.createIfNotExists();
});

const envelopeText = (deferrals?: number) => JSON.stringify(testEnvelope(relay.workspaceId, { recordCount: 3, ...(deferrals ? { deferrals } : {}) }));

describe('npm run redrive', () => {
  it("lists messages the Functions host moved (bare text, no reason) and the relay's own (with reason), then moves both back unchanged", async () => {
    const hostMoved = envelopeText();
    const relayMoved = envelopeText(4);
    await storage.poisonQueue.sendMessage(hostMoved);
    await storage.poisonQueue.sendMessage(JSON.stringify({ relayPoison: 1, reason: 'Logs Ingestion refused the rows: 400', poisonedAt: new Date().toISOString(), original: relayMoved }));

    const { total, entries } = await listPoison(storage);
    expect(total).toBe(2);
    expect(entries.map((e) => e.reason)).toEqual([
      'moved by the Functions host after repeated failures (see the function logs)',
      'Logs Ingestion refused the rows: 400',
    ]);
    expect(entries.every((e) => e.logType === 'Keeper' && e.recordCount === 3)).toBe(true);

    expect(await redrivePoison(storage)).toBe(2);
    expect((await listPoison(storage)).total).toBe(0);
    const back = (await storage.queue.receiveMessages({ numberOfMessages: 32 })).receivedMessageItems.map((m) => JSON.parse(m.messageText) as Record<string, unknown>);
    expect(back).toHaveLength(2);
    // The same envelopes, with the deferral count restarted.
    expect(back.map((e) => e.requestId).sort()).toEqual([JSON.parse(hostMoved).requestId, JSON.parse(relayMoved).requestId].sort());
    expect(back.every((e) => e.deferrals === undefined)).toBe(true);
  });
});
