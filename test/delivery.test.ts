import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventId } from '../shared/mapping/eventId';
import { listPoison, redrivePoison } from '../shared/handoff/redrive';
import { relayRuntime } from '../shared/settings/relayRuntime';
import { brotliCompressSync, constants } from 'node:zlib';
import { createStorageHandoff } from '../shared/handoff/handoff';
import { compressPayload } from '../shared/handoff/payloadCodec';
import { STREAMS } from '../shared/mapping/streamSchemas';
import { startLocalRunner, type LocalRunner } from '../tools/localRunner';
import { eventually, startTestIngestion, type TestIngestion } from './support/deliveryEnv';
import { keeperPushEvents } from './support/keeperSamples';
import { legacyHeaders } from './support/legacyRequest';
import { blobCount, queueLength } from './support/queueInspection';
import { testEnvelope } from './support/envelopes';
import { applyEnv, testRelay } from './support/relayEnv';

const relay = testRelay('delivery');
let ingestion: TestIngestion;
let runner: LocalRunner;

beforeAll(async () => {
  ingestion = await startTestIngestion();
  applyEnv({ ...relay.env, ...ingestion.env });
  runner = await startLocalRunner({ port: 0 });
});
afterAll(async () => {
  await runner?.close();
  await ingestion?.emulator.close();
});

async function post(records: unknown[], logType = 'Keeper', headers: Record<string, string> = {}): Promise<void> {
  const body = JSON.stringify(records);
  const signed = legacyHeaders({ workspaceId: relay.workspaceId, key: relay.primaryKey, body, logType });
  delete signed['Content-Length'];
  const response = await fetch(`${runner.url}/api/logs?api-version=2016-04-01`, { method: 'POST', headers: { ...signed, ...headers }, body });
  expect(response.status).toBe(200);
}

const rowsWith = async (stream: string, predicate: (row: Record<string, unknown>) => boolean) =>
  (await ingestion.emulator.rows(stream)).filter(predicate);

describe('delivery end to end: HTTP → Azurite queue → queue trigger → Logs Ingestion emulator', () => {
  it("lands Keeper's sample events in the Sentinel solution's stream and in Keeper_CL", async () => {
    const marker = randomUUID();
    const records = keeperPushEvents.map((e) => ({ ...e, name: e.name ?? marker, run: marker }));
    await post(records);
    const sentinel = await eventually(async () => {
      const rows = await rowsWith(STREAMS.keeperSentinel.stream, (r) => (r.data as { run?: string })?.run === marker);
      expect(rows).toHaveLength(5);
      return rows;
    });
    const alert = sentinel.find((r) => r.audit_event === 'audit_alert_sent')!;
    expect(alert).toMatchObject({ category: 'usage', username: 'ALERT', enterprise_id: 6557, client_version: 'Keeper Service.1.2.0', timestamp: '2025-01-16T01:31:11.123Z' });
    expect(alert.data).toMatchObject({ origin: 'admin_permission_added', username_new: true, relay_event_id: eventId(relay.workspaceId, 'Keeper', JSON.stringify(records[4])) });
    const legacy = await eventually(async () => {
      const rows = await rowsWith(STREAMS.keeperLegacyCl.stream, (r) => String(r.relay_extra_s ?? '').includes(marker));
      expect(rows).toHaveLength(5);
      return rows;
    });
    expect(legacy.find((r) => r.audit_event_s === 'role_created')).toMatchObject({ remote_address_s: '11.22.33.44', enterprise_id_d: 6557, role_id_s: '28162100560074' });
    // Nothing the real service would drop silently.
    expect(ingestion.emulator.stats().drops).toMatchObject({ undeclaredProperties: {}, typeMismatches: {}, truncatedValues: {} });
    await eventually(async () => expect(await queueLength(relay.connectionString, relay.queueName)).toBe(0));
  });

  it('lands any other Log-Type whole in the catch-all stream', async () => {
    const marker = randomUUID();
    await post([{ '@timestamp': new Date().toISOString(), marker, nested: { a: [1, { b: 2 }] } }], 'FluentBit_CL_Test', { 'time-generated-field': '@timestamp' });
    const [row] = await eventually(async () => {
      const rows = await rowsWith(STREAMS.relayedLogs.stream, (r) => (r.Record as { marker?: string })?.marker === marker);
      expect(rows).toHaveLength(1);
      return rows;
    });
    expect(row).toMatchObject({ LogType: 'FluentBit_CL_Test', SourceWorkspaceId: relay.workspaceId, Truncated: false, Record: { nested: { a: [1, { b: 2 }] } } });
  });

  it('delivers a claim-checked 5 MB request and deletes its blob afterwards', async () => {
    const marker = randomUUID();
    const records = Array.from({ length: 15_000 }, (_, i) => ({ ...keeperPushEvents[i % 5], record_uid: `${marker}-${i}-${Math.random().toString(36)}`, note: Math.random().toString(36).repeat(4) }));
    await post(records);
    await eventually(async () => {
      const rows = await rowsWith(STREAMS.keeperSentinel.stream, (r) => String((r.data as { record_uid?: string })?.record_uid).startsWith(marker));
      expect(rows).toHaveLength(15_000);
    }, 60_000, 500);
    await eventually(async () => expect(await blobCount(relay.connectionString, relay.containerName)).toBe(0));
  });

  it('defers on a configuration error (403) instead of poisoning, and delivers once it is fixed', async () => {
    ingestion.emulator.setFaults({ fraction: 1, kinds: ['403'] });
    const marker = randomUUID();
    await post([{ ...keeperPushEvents[0], run: marker }]);
    await eventually(async () => expect(ingestion.emulator.stats().responses['403'] ?? 0).toBeGreaterThan(0), 20_000);
    expect((await listPoison(relayRuntime().storage)).total).toBe(0);
    ingestion.emulator.setFaults({ fraction: 0 });
    await eventually(async () => expect(await rowsWith(STREAMS.keeperSentinel.stream, (r) => (r.data as { run?: string })?.run === marker)).toHaveLength(1), 30_000);
    expect((await listPoison(relayRuntime().storage)).total).toBe(0);
  });

  it("delivers an earlier version's message and this version's, inline and small or 250 events", async () => {
    const { storage } = relayRuntime();
    const marker = randomUUID();
    const records = (run: string, n: number) => Array.from({ length: n }, (_, i) => ({ ...keeperPushEvents[i % 5], run, note: `${run}-${i}` }));
    const body = (run: string, n: number) => Buffer.from(JSON.stringify(records(run, n)));
    // Exactly what earlier versions wrote, byte for byte: Brotli quality 0, text mode, base64.
    const old = brotliCompressSync(body(`${marker}-old`, 3), { params: { [constants.BROTLI_PARAM_QUALITY]: 0, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT } });
    await storage.queue.sendMessage(
      JSON.stringify(testEnvelope(relay.workspaceId, { recordCount: 3, payload: { kind: 'inline', encoding: 'br-base64', format: 'json', data: old.toString('base64') } })),
      { messageTimeToLive: -1 },
    );
    // This version's hand-off (its message text built once).
    const handoff = createStorageHandoff(storage);
    const meta = (n: number) => ({ ...testEnvelope(relay.workspaceId), recordCount: n }) as const;
    const { v: _v, payload: _p, ...small } = meta(3);
    const { v: _v2, payload: _p2, ...large } = meta(250);
    const written = [
      await handoff.enqueue(small, body(`${marker}-small`, 3), 'json'),
      await handoff.enqueue(large, body(`${marker}-large`, 250), 'json'),
    ];
    expect(written.map((e) => e.payload.kind === 'inline' && e.payload.encoding)).toEqual(['br-base64', 'br-base64']);
    for (const [run, n] of [['old', 3], ['small', 3], ['large', 250]] as const) {
      await eventually(async () => expect(await rowsWith(STREAMS.keeperSentinel.stream, (r) => (r.data as { run?: string })?.run === `${marker}-${run}`)).toHaveLength(n));
    }
  });

  it('poisons a message whose payload does not decompress at once, with the reason, without burning retries', async () => {
    const { storage } = relayRuntime();
    const envelope = testEnvelope(relay.workspaceId, { payload: { kind: 'inline', encoding: 'br-base64', format: 'json', data: 'AAAA' } });
    await storage.queue.sendMessage(JSON.stringify(envelope), { messageTimeToLive: -1 });
    const poisoned = await eventually(async () => {
      const list = await listPoison(storage);
      const entry = list.entries.find((e) => e.requestId === envelope.requestId);
      expect(entry).toBeDefined();
      return entry!;
    });
    expect(poisoned.reason).toMatch(/^the payload does not decompress \(unexpected end of file\)/);
    // The relay's own reason (the host's would be generic after maxDequeueCount attempts); then leave poison empty.
    const raw = (await storage.poisonQueue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 1 })).receivedMessageItems.find((m) => m.messageText.includes(envelope.requestId))!;
    await storage.poisonQueue.deleteMessage(raw.messageId, raw.popReceipt);
  });

  it('poisons a message whose claim-check blob is missing, keeps the reason, and redrives it once fixed', async () => {
    const { storage } = relayRuntime();
    const marker = randomUUID();
    const body = Buffer.from(JSON.stringify([{ ...keeperPushEvents[0], run: marker }]));
    const blobName = `redrive/${marker}.json.br`;
    const envelope = testEnvelope(relay.workspaceId, { payload: { kind: 'blob', encoding: 'br', format: 'json', container: relay.containerName, blobName, bytes: 1 } });
    await storage.queue.sendMessage(JSON.stringify(envelope), { messageTimeToLive: -1 });
    await storage.queue.sendMessage('this is not an envelope', { messageTimeToLive: -1 });
    const poisoned = await eventually(async () => {
      const list = await listPoison(storage);
      expect(list.total).toBe(2);
      return list;
    });
    expect(poisoned.entries.map((e) => e.reason).sort()).toEqual([
      `claim-check blob ${relay.containerName}/${blobName} is missing`,
      'malformed envelope: the message is not JSON',
    ]);
    expect(poisoned.entries.find((e) => e.requestId)).toMatchObject({ requestId: envelope.requestId, logType: 'Keeper', recordCount: 1 });

    // Fix the cause (the blob is back), drop the hopeless one, redrive.
    await storage.container.getBlockBlobClient(blobName).uploadData(await compressPayload(body));
    const junk = (await storage.poisonQueue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 1 })).receivedMessageItems.find((m) => m.messageText.includes('not JSON'))!;
    await storage.poisonQueue.deleteMessage(junk.messageId, junk.popReceipt);
    await eventually(async () => expect(await redrivePoison(storage)).toBe(1), 10_000, 1000);
    await eventually(async () => expect(await rowsWith(STREAMS.keeperSentinel.stream, (r) => (r.data as { run?: string })?.run === marker)).toHaveLength(1));
    expect((await listPoison(storage)).total).toBe(0);
  });
});
