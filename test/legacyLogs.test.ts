import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HttpResponseInit } from '@azure/functions';
import { invocation, legacyRequest, type LegacyPost } from './support/legacyRequest';
import { clearQueue, envelopeRecords, queuedEnvelopes } from './support/queueInspection';
import { applyEnv, testRelay } from './support/relayEnv';
import { commanderBatch, keeperAzureMonitorEvent, keeperPushEvents } from './support/keeperSamples';
import type { HttpHandlerFn } from '../shared/ingest/ingestDoor';
import { keeperBodies } from '../tools/bench/keeperEvents';

const relay = testRelay('contract');
let legacyLogs: HttpHandlerFn;

beforeAll(async () => {
  applyEnv(relay.env);
  ({ legacyLogs } = await import('../functions/legacyLogs'));
});
beforeEach(() => clearQueue(relay.connectionString, relay.queueName));

const post = (overrides: Partial<LegacyPost> = {}) =>
  legacyLogs(legacyRequest({ workspaceId: relay.workspaceId, key: relay.primaryKey, body: JSON.stringify(keeperPushEvents), ...overrides }), invocation());

function expectAccepted(response: HttpResponseInit): void {
  expect(response.jsonBody).toBeUndefined();
  expect(response.status).toBe(200);
  expect(response.body).toBe('');
}

const envelopes = () => queuedEnvelopes(relay.connectionString, relay.queueName);

describe('POST /api/logs: the legacy contract', () => {
  it('accepts a signed Keeper post with 200 and an empty body, as exactly one queue message', async () => {
    expectAccepted(await post());
    const [envelope, ...rest] = await envelopes();
    expect(rest).toHaveLength(0);
    expect(envelope).toMatchObject({
      v: 1,
      door: 'legacy',
      workspaceId: relay.workspaceId,
      logType: 'Keeper',
      shape: 'keeper-push',
      recordCount: keeperPushEvents.length,
      payload: { kind: 'inline', encoding: 'br-base64', format: 'json' },
    });
    expect(envelope!.timeGeneratedField).toBeUndefined();
    expect(envelope!.resourceId).toBeUndefined();
    expect(Math.abs(Date.parse(envelope!.receivedAt) - Date.now())).toBeLessThan(60_000);
    expect(await envelopeRecords(relay.connectionString, envelope!)).toEqual(keeperPushEvents);
  });

  it('accepts a signature made with the secondary key', async () => {
    expectAccepted(await post({ key: relay.secondaryKey }));
    expect(await envelopes()).toHaveLength(1);
  });

  it('reads header names case-insensitively (Vector sends them lower-case)', async () => {
    expectAccepted(await post({ body: '[{"message":"hi"}]', logType: 'VectorLogs', lowerCaseHeaders: true }));
    expectAccepted(await post({ body: '[{"message":"hi"}]', logType: 'VectorLogs', headers: { 'Log-Type': null, 'LOG-TYPE': 'VectorLogs' } }));
    expect((await envelopes()).map((e) => e.logType)).toEqual(['VectorLogs', 'VectorLogs']);
  });

  it('treats empty time-generated-field and x-ms-AzureResourceId headers as absent', async () => {
    expectAccepted(await post({ headers: { 'time-generated-field': '', 'x-ms-AzureResourceId': '  ' } }));
    const [envelope] = await envelopes();
    expect(envelope).not.toHaveProperty('timeGeneratedField');
    expect(envelope).not.toHaveProperty('resourceId');
  });

  it('carries non-empty time-generated-field and x-ms-AzureResourceId in the envelope', async () => {
    const resourceId = '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1';
    expectAccepted(await post({ headers: { 'time-generated-field': 'timestamp', 'x-ms-AzureResourceId': resourceId } }));
    expect((await envelopes())[0]).toMatchObject({ timeGeneratedField: 'timestamp', resourceId });
  });

  it('answers [] with 200 and enqueues nothing (Vector health check)', async () => {
    expectAccepted(await post({ body: '[]' }));
    expect(await envelopes()).toHaveLength(0);
  });

  it('takes a bare object as one record (the docs Java sample)', async () => {
    expectAccepted(await post({ body: JSON.stringify(keeperPushEvents[0]) }));
    const [envelope] = await envelopes();
    expect(envelope!.recordCount).toBe(1);
    expect(await envelopeRecords(relay.connectionString, envelope!)).toEqual([keeperPushEvents[0]]);
  });

  it('accepts Content-Type with charset whether or not the sender signed the charset', async () => {
    const contentType = 'application/json; charset=utf-8';
    expectAccepted(await post({ contentType, signedContentType: 'application/json' }));
    expectAccepted(await post({ contentType }));
    expect(await envelopes()).toHaveLength(2);
  });

  it('trims trailing whitespace a Ruby client leaves on the Authorization header', async () => {
    const date = new Date().toUTCString();
    const request = legacyRequest({ workspaceId: relay.workspaceId, key: relay.primaryKey, body: '[{"a":1}]', logType: 'Ruby', date });
    const authorization = request.headers.get('authorization')!;
    expectAccepted(await post({ body: '[{"a":1}]', logType: 'Ruby', date, headers: { Authorization: `${authorization}\t ` } }));
  });

  it('accepts a host name that starts with the signed workspace id', async () => {
    expectAccepted(await post({ host: `${relay.workspaceId}.relay.example.net` }));
    expectAccepted(await post({ host: `${relay.workspaceId.toUpperCase()}.ods.opinsights.azure.com` }));
  });

  it('accepts the api-version query name percent-encoded', async () => {
    expectAccepted(await post({ query: '?api%2Dversion=2016-04-01' }));
  });

  it('verifies over the received bytes of a non-ASCII body', async () => {
    const body = Buffer.from(JSON.stringify([{ audit_event: 'login', username: 'jürgen@exämple.com', note: '日本語 ✓' }]), 'utf8');
    expectAccepted(await post({ body }));
    const [envelope] = await envelopes();
    expect(await envelopeRecords(relay.connectionString, envelope!)).toEqual([{ audit_event: 'login', username: 'jürgen@exämple.com', note: '日本語 ✓' }]);
  });

  it('tolerates a UTF-8 byte-order mark before the JSON', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[{"message":"bom"}]')]);
    expectAccepted(await post({ body, logType: 'Serilog' }));
    expect(await envelopeRecords(relay.connectionString, (await envelopes())[0]!)).toEqual([{ message: 'bom' }]);
  });

  it('keeps a 250-event Commander batch in one inline message under the 64 KiB limit', async () => {
    const batch = commanderBatch();
    expectAccepted(await post({ body: JSON.stringify(batch) }));
    const [envelope] = await envelopes();
    expect(envelope).toMatchObject({ shape: 'keeper-commander', recordCount: 250, payload: { kind: 'inline' } });
    expect(Buffer.byteLength(JSON.stringify(envelope))).toBeLessThanOrEqual(64 * 1024);
    expect(await envelopeRecords(relay.connectionString, envelope!)).toEqual(batch);
  });

  it('keeps a 250-event Keeper push post (68 KB) in one inline message under the 64 KiB limit', async () => {
    const [body] = keeperBodies(1);
    expectAccepted(await post({ body: body! }));
    const [envelope] = await envelopes();
    expect(envelope).toMatchObject({ recordCount: 250, payload: { kind: 'inline', encoding: 'br-base64' } });
    expect(Buffer.byteLength(JSON.stringify(envelope))).toBeLessThanOrEqual(64 * 1024);
    expect(await envelopeRecords(relay.connectionString, envelope!)).toEqual(JSON.parse(body!.toString()));
  });

  it('labels Keeper Azure Monitor events and mixed shapes', async () => {
    expectAccepted(await post({ body: JSON.stringify([keeperAzureMonitorEvent]) }));
    expectAccepted(await post({ body: JSON.stringify([keeperAzureMonitorEvent, keeperPushEvents[0], commanderBatch(1)[0]]) }));
    expect((await envelopes()).map((e) => e.shape)).toEqual(['keeper-azure-monitor', 'keeper-mixed']);
  });

  it('accepts any other Log-Type as generic records, nested values and @timestamp names included', async () => {
    const records = [{ '@timestamp': '2026-11-01T10:00:00Z', 'kubernetes.pod': 'web-1', nested: { a: [1, { b: 2 }] }, list: [1, 2, 3] }];
    expectAccepted(await post({ body: JSON.stringify(records), logType: 'FluentBit_Logs' }));
    const [envelope] = await envelopes();
    expect(envelope).toMatchObject({ logType: 'FluentBit_Logs', shape: 'generic', recordCount: 1 });
    expect(await envelopeRecords(relay.connectionString, envelope!)).toEqual(records);
  });

  it('sets the x-ms-request-id header to the envelope request id', async () => {
    const response = await post();
    const [envelope] = await envelopes();
    expect((response.headers as Record<string, string>)['x-ms-request-id']).toBe(envelope!.requestId);
  });
});
