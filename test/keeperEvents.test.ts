import { HttpRequest } from '@azure/functions';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HttpHandlerFn } from '../shared/ingest/ingestDoor';
import { commanderBatch, keeperAzureMonitorEvent, keeperPushEvents } from './support/keeperSamples';
import { invocation } from './support/legacyRequest';
import { clearQueue, envelopeRecords, queuedEnvelopes } from './support/queueInspection';
import { applyEnv, testRelay } from './support/relayEnv';

const relay = testRelay('keeper');
let keeperEvents: HttpHandlerFn;

beforeAll(async () => {
  applyEnv(relay.env);
  ({ keeperEvents } = await import('../functions/keeperEvents'));
});
beforeEach(() => clearQueue(relay.connectionString, relay.queueName));

const send = (text: string, contentType?: string) =>
  keeperEvents(
    new HttpRequest({
      method: 'POST',
      url: 'https://relay.example.net/api/keeper/events',
      headers: contentType ? { 'content-type': contentType } : {},
      body: { string: text },
    }),
    invocation(),
  );

const only = async () => {
  const envelopes = await queuedEnvelopes(relay.connectionString, relay.queueName);
  expect(envelopes).toHaveLength(1);
  return envelopes[0]!;
};

describe('POST /api/keeper/events: raw Keeper JSON', () => {
  it('accepts an array of shape A events as one message with Log-Type Keeper', async () => {
    const response = await send(JSON.stringify(keeperPushEvents), 'application/json');
    expect(response.status).toBe(200);
    const envelope = await only();
    expect(envelope).toMatchObject({ door: 'keeper', logType: 'Keeper', shape: 'keeper-push', recordCount: 5, workspaceId: relay.workspaceId });
    expect(await envelopeRecords(relay.connectionString, envelope)).toEqual(keeperPushEvents);
  });

  it('accepts a single shape B event object', async () => {
    expect((await send(JSON.stringify(keeperAzureMonitorEvent), 'application/json')).status).toBe(200);
    const envelope = await only();
    expect(envelope).toMatchObject({ shape: 'keeper-azure-monitor', recordCount: 1, payload: { format: 'json' } });
    expect(await envelopeRecords(relay.connectionString, envelope)).toEqual([keeperAzureMonitorEvent]);
  });

  it('accepts NDJSON of Commander rows, declared or detected', async () => {
    const rows = commanderBatch(20);
    const ndjson = rows.map((r) => JSON.stringify(r)).join('\n') + '\n\n';
    expect((await send(ndjson, 'application/x-ndjson')).status).toBe(200);
    const declared = await only();
    expect(declared).toMatchObject({ shape: 'keeper-commander', recordCount: 20, payload: { format: 'ndjson' } });
    expect(await envelopeRecords(relay.connectionString, declared)).toEqual(rows);

    await clearQueue(relay.connectionString, relay.queueName);
    expect((await send(ndjson)).status).toBe(200);
    expect(await only()).toMatchObject({ recordCount: 20, payload: { format: 'ndjson' } });
  });

  it('keeps every attribute of an event, known or not', async () => {
    const event = { ...keeperPushEvents[0], brand_new_attribute: { nested: [1, 2] }, another: null };
    expect((await send(JSON.stringify([event]), 'application/json')).status).toBe(200);
    expect(await envelopeRecords(relay.connectionString, await only())).toEqual([event]);
  });

  it('answers [] with 200 and enqueues nothing', async () => {
    expect((await send('[]', 'application/json')).status).toBe(200);
    expect(await queuedEnvelopes(relay.connectionString, relay.queueName)).toHaveLength(0);
  });
});
