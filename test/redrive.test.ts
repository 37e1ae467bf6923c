import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { HOST_MOVED_REASON, type PoisonMessage } from '../shared/handoff/poisonMessage';
import { listPoison, redrive, redrivePoison } from '../shared/handoff/redrive';
import { loadSettings } from '../shared/settings/settings';
import { createStorageClients, type StorageClients } from '../shared/handoff/storageClients';
import { main as redriveCli } from '../tools/redrive';
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
  await storage.container.createIfNotExists();
});
beforeEach(async () => {
  await storage.queue.clearMessages();
  await storage.poisonQueue.clearMessages();
});

const envelopeText = (overrides: Parameters<typeof testEnvelope>[1] = {}) => JSON.stringify(testEnvelope(relay.workspaceId, { recordCount: 3, ...overrides }));
const relayPoison = (original: string, reason: string, extra: Partial<PoisonMessage> = {}) =>
  JSON.stringify({ relayPoison: 1, reason, poisonedAt: new Date().toISOString(), original, ...extra } satisfies PoisonMessage);

async function queued(): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for (;;) {
    const batch = (await storage.queue.receiveMessages({ numberOfMessages: 32 })).receivedMessageItems;
    if (batch.length === 0) return out;
    for (const m of batch) {
      out.push(JSON.parse(m.messageText) as Record<string, unknown>);
      await storage.queue.deleteMessage(m.messageId, m.popReceipt);
    }
  }
}

describe('redrive', () => {
  it("lists messages the Functions host moved (bare text, no reason) and the relay's own (with reason), then moves both back unchanged", async () => {
    const hostMoved = envelopeText();
    const relayMoved = envelopeText({ deferrals: 4 });
    await storage.poisonQueue.sendMessage(hostMoved);
    await storage.poisonQueue.sendMessage(relayPoison(relayMoved, 'Logs Ingestion refused the rows: 400'));

    const { total, entries } = await listPoison(storage);
    expect(total).toBe(2);
    expect(entries.map((e) => e.reason)).toEqual([HOST_MOVED_REASON, 'Logs Ingestion refused the rows: 400']);
    expect(entries.every((e) => e.logType === 'Keeper' && e.recordCount === 3)).toBe(true);

    expect(await redrivePoison(storage)).toBe(2);
    expect((await listPoison(storage)).total).toBe(0);
    const back = await queued();
    expect(back).toHaveLength(2);
    // The same envelopes, with the deferral count restarted.
    expect(back.map((e) => e.requestId).sort()).toEqual([JSON.parse(hostMoved).requestId, JSON.parse(relayMoved).requestId].sort());
    expect(back.every((e) => e.deferrals === undefined)).toBe(true);
  });

  it('ends while every moved message fails again at once: each moved once, all back in poison with the new reason', async () => {
    const N = 60;
    await Promise.all(Array.from({ length: N }, () => storage.poisonQueue.sendMessage(relayPoison(envelopeText(), 'first failure'))));
    // A delivery that poisons everything it receives, as fast as it can, for as long as the redrive runs.
    let running = true;
    let repoisoned = 0;
    const failing = (async () => {
      while (running) {
        const batch = (await storage.queue.receiveMessages({ numberOfMessages: 32 })).receivedMessageItems;
        for (const m of batch) {
          await storage.poisonQueue.sendMessage(relayPoison(m.messageText, 'failed again'));
          await storage.queue.deleteMessage(m.messageId, m.popReceipt);
          repoisoned++;
        }
      }
    })();
    const report = await redrive(storage, { action: 'move' });
    running = false;
    await failing;
    expect(report.done).toHaveLength(N);
    expect(new Set(report.done.map((e) => e.requestId)).size).toBe(N);
    // Whatever was still queued when the redrive returned fails too: then every request is in poison exactly once.
    for (const m of await queued()) await storage.poisonQueue.sendMessage(relayPoison(JSON.stringify(m), 'failed again'));
    const after = await redrive(storage, { action: 'move', dryRun: true });
    expect(after.done).toHaveLength(N);
    expect(after.done.every((e) => e.reason === 'failed again')).toBe(true);
    expect(new Set(after.done.map((e) => e.requestId))).toEqual(new Set(report.done.map((e) => e.requestId)));
    expect(repoisoned).toBeLessThanOrEqual(N);
  });

  it('is idempotent by message id: an entry an interrupted run already re-sent is removed, not sent again', async () => {
    await storage.poisonQueue.sendMessage(relayPoison(envelopeText(), 'x', { movedAt: new Date().toISOString() }));
    const report = await redrive(storage, { action: 'move' });
    expect(report).toMatchObject({ done: [], completedEarlier: 1 });
    expect(await queued()).toEqual([]);
    expect((await listPoison(storage)).total).toBe(0);
  });

  it('selects by reason and by id; --dry-run changes nothing; purge deletes the claim-check blob', async () => {
    const blobEnvelope = testEnvelope(relay.workspaceId, {
      payload: { kind: 'blob', encoding: 'br', format: 'json', container: relay.containerName, blobName: 'redrive/purge-me.json.br', bytes: 1 },
    });
    await storage.container.getBlockBlobClient('redrive/purge-me.json.br').upload('x', 1);
    const a = envelopeText();
    await storage.poisonQueue.sendMessage(relayPoison(a, 'Logs Ingestion refused the rows: 400 InvalidStream'));
    await storage.poisonQueue.sendMessage(relayPoison(JSON.stringify(blobEnvelope), 'malformed envelope: shape'));

    const dry = await redrive(storage, { action: 'move', selection: { reasons: ['invalidstream'] }, dryRun: true });
    expect(dry.done.map((e) => e.requestId)).toEqual([JSON.parse(a).requestId]);
    expect((await listPoison(storage)).total).toBe(2);
    expect(await queued()).toEqual([]);

    const purged = await redrive(storage, { action: 'purge', selection: { ids: [blobEnvelope.requestId] } });
    expect(purged.done.map((e) => e.requestId)).toEqual([blobEnvelope.requestId]);
    expect(await storage.container.getBlobClient('redrive/purge-me.json.br').exists()).toBe(false);
    const left = await listPoison(storage);
    expect(left.entries.map((e) => e.requestId)).toEqual([JSON.parse(a).requestId]);
  });
});

describe('npm run redrive (CLI)', () => {
  it('prints --help, refuses unknown flags and a --dry-run without an action, and --move --dry-run moves nothing', async () => {
    const out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(await redriveCli(['--help'])).toBe(0);
      expect(out.mock.calls.flat().join('\n')).toMatch(/--purge/);
      await expect(redriveCli(['--mvoe'])).rejects.toThrow(/Unknown option '--mvoe'/);
      await expect(redriveCli(['--dry-run'])).rejects.toThrow(/needs --move or --purge/);
      await expect(redriveCli(['--move', '--purge'])).rejects.toThrow(/exclude/);

      await storage.poisonQueue.sendMessage(relayPoison(envelopeText(), 'fixed now'));
      expect(await redriveCli(['--move', '--dry-run'])).toBe(0);
      expect(out.mock.calls.flat().join('\n')).toMatch(/Would have moved back to .*: 1 message/);
      expect(await queued()).toEqual([]);
      expect(await redriveCli(['--purge'])).toBe(2); // no terminal to confirm in, no --yes: refused
      expect((await listPoison(storage)).total).toBe(1);
      expect(await redriveCli(['--move'])).toBe(0);
      expect(await queued()).toHaveLength(1);
      await storage.poisonQueue.sendMessage(relayPoison(envelopeText(), 'hopeless'));
      await storage.poisonQueue.sendMessage(relayPoison(envelopeText(), 'keep me'));
      expect(await redriveCli(['--purge', '--yes', '--reason', 'hopeless'])).toBe(0);
      expect((await listPoison(storage)).entries.map((e) => e.reason)).toEqual(['keep me']);
    } finally {
      out.mockRestore();
    }
  });
});
