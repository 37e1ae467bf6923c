import { randomBytes, randomUUID } from 'node:crypto';
import { HttpRequest } from '@azure/functions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HttpHandlerFn } from '../shared/ingest/ingestDoor';
import { createLegacyLogsHandler } from '../shared/ingest/legacyIngest';
import { createKeeperEventsHandler } from '../shared/ingest/keeperIngest';
import { createRelayRuntime } from '../shared/settings/relayRuntime';
import { loadSettings } from '../shared/settings/settings';
import { azuriteConnectionString } from '../tools/azurite';
import { freePort } from '../tools/freePort';
import { keeperPushEvents } from './support/keeperSamples';
import { invocation, legacyHeaders, legacyRequest, streamedRequest, type LegacyPost } from './support/legacyRequest';
import { blobCount, queueLength } from './support/queueInspection';
import { applyEnv, testRelay } from './support/relayEnv';

const relay = testRelay('badinput');
let legacyLogs: HttpHandlerFn;
let keeperEvents: HttpHandlerFn;

beforeAll(async () => {
  applyEnv(relay.env);
  ({ legacyLogs } = await import('../functions/legacyLogs'));
  ({ keeperEvents } = await import('../functions/keeperEvents'));
  // Make sure the queue exists, so "the queue stayed empty" is a real observation and not a missing queue.
  expect(
    (await legacyLogs(legacyRequest({ workspaceId: relay.workspaceId, key: relay.primaryKey, body: '[{"warm":1}]', logType: 'Warmup' }), invocation())).status,
  ).toBe(200);
  const { QueueServiceClient } = await import('@azure/storage-queue');
  await QueueServiceClient.fromConnectionString(relay.connectionString).getQueueClient(relay.queueName).clearMessages();
});

const MB30 = 30 * 1024 * 1024;
const minutes = (n: number) => new Date(Date.now() + n * 60_000).toUTCString();
const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const body = (records: unknown) => JSON.stringify(records);

interface Case {
  name: string;
  post: Partial<LegacyPost>;
  status: number;
  code: string;
  message: RegExp;
}

const cases: Case[] = [
  { name: 'no api-version', post: { query: '' }, status: 400, code: 'MissingApiVersion', message: /api-version query parameter is missing/ },
  { name: 'empty api-version', post: { query: '?api-version=' }, status: 400, code: 'MissingApiVersion', message: /missing/ },
  { name: 'unknown api-version', post: { query: '?api-version=2023-01-01' }, status: 400, code: 'InvalidApiVersion', message: /'2023-01-01' is not supported; use 2016-04-01/ },
  { name: 'no Authorization', post: { headers: { Authorization: null } }, status: 403, code: 'InvalidAuthorization', message: /Authorization header is missing/ },
  { name: 'Bearer instead of SharedKey', post: { headers: { Authorization: 'Bearer abc.def' } }, status: 403, code: 'InvalidAuthorization', message: /must be SharedKey/ },
  { name: 'SharedKey without signature', post: { headers: { Authorization: 'SharedKey 2b6d9f0e-5c1a-4e8b-9d3f-7a1c0e4b6d21' } }, status: 403, code: 'InvalidAuthorization', message: /must be SharedKey/ },
  { name: 'workspace id not a GUID', post: { headers: { Authorization: 'SharedKey my-workspace:AAAA' } }, status: 400, code: 'InvalidCustomerId', message: /not a valid workspace id/ },
  { name: 'workspace not served', post: { workspaceId: randomUUID() }, status: 403, code: 'InvalidAuthorization', message: /^An invalid signature was specified in the Authorization header$/ },
  { name: 'signature not base64', post: { headers: { Authorization: `SharedKey ${relay.workspaceId}:not*base64!` } }, status: 403, code: 'InvalidAuthorization', message: /invalid signature.*not base64/ },
  { name: 'wrong key', post: { key: Buffer.alloc(64, 7).toString('base64') }, status: 403, code: 'InvalidAuthorization', message: /^An invalid signature was specified in the Authorization header$/ },
  { name: 'signed over another length', post: { signedLength: 12 }, status: 403, code: 'InvalidAuthorization', message: /invalid signature/ },
  { name: 'signed over another Content-Type', post: { signedContentType: 'text/json' }, status: 403, code: 'InvalidAuthorization', message: /invalid signature/ },
  { name: 'host names another workspace', post: { host: `${randomUUID()}.ods.opinsights.azure.com` }, status: 403, code: 'InvalidAuthorization', message: /host name's workspace id .* does not match/ },
  { name: 'no Log-Type', post: { headers: { 'Log-Type': null } }, status: 400, code: 'MissingLogType', message: /Log-Type header is missing/ },
  { name: 'empty Log-Type', post: { logType: '' }, status: 400, code: 'MissingLogType', message: /missing/ },
  { name: 'Log-Type with a hyphen', post: { logType: 'Keeper-Events' }, status: 400, code: 'InvalidLogType', message: /letters, digits and underscore/ },
  { name: 'Log-Type over 100 characters', post: { logType: 'K'.repeat(101) }, status: 400, code: 'InvalidLogType', message: /at most 100 characters/ },
  { name: 'no Content-Type', post: { headers: { 'Content-Type': null } }, status: 400, code: 'MissingContentType', message: /Content-Type header is missing/ },
  { name: 'text/plain', post: { contentType: 'text/plain' }, status: 400, code: 'UnsupportedContentType', message: /'text\/plain' is not supported/ },
  { name: 'application/xml', post: { contentType: 'application/xml' }, status: 400, code: 'UnsupportedContentType', message: /not supported/ },
  { name: 'JSON in another charset', post: { contentType: 'application/json; charset=iso-8859-1' }, status: 400, code: 'UnsupportedContentType', message: /charset=iso-8859-1/ },
  { name: 'no x-ms-date', post: { headers: { 'x-ms-date': null } }, status: 403, code: 'InvalidAuthorization', message: /x-ms-date header is missing/ },
  { name: 'ISO date instead of RFC 1123', post: { date: new Date().toISOString() }, status: 403, code: 'InvalidAuthorization', message: /not an RFC 1123 date/ },
  { name: 'impossible date (31 Feb)', post: { date: 'Sat, 31 Feb 2026 10:00:00 GMT' }, status: 403, code: 'InvalidAuthorization', message: /not an RFC 1123 date/ },
  { name: 'date in a non-GMT zone', post: { date: 'Mon, 04 Apr 2016 08:00:00 +0200' }, status: 403, code: 'InvalidAuthorization', message: /not an RFC 1123 date/ },
  { name: 'stale date (20 minutes old)', post: { date: minutes(-20) }, status: 403, code: 'InvalidAuthorization', message: /20 minutes in the past; the relay accepts ±15 minutes \(RELAY_CLOCK_SKEW_MINUTES\)/ },
  { name: 'future date (20 minutes ahead)', post: { date: minutes(20) }, status: 403, code: 'InvalidAuthorization', message: /minutes in the future/ },
  { name: 'invalid JSON', post: { body: '[{"audit_event": login}]' }, status: 400, code: 'InvalidDataFormat', message: /^The body is not valid JSON: unexpected character "l"\.$/ },
  { name: 'JSON with a trailing comma', post: { body: '[{"a":1},]', logType: 'Other' }, status: 400, code: 'InvalidDataFormat', message: /unexpected character "]"/ },
  { name: 'truncated JSON', post: { body: '[{"audit_event":"login"' }, status: 400, code: 'InvalidDataFormat', message: /not valid JSON/ },
  { name: 'empty body', post: { body: '' }, status: 400, code: 'InvalidDataFormat', message: /not valid JSON/ },
  { name: 'invalid UTF-8', post: { body: Buffer.concat([Buffer.from('[{"audit_event":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}]')]) }, status: 400, code: 'InvalidDataFormat', message: /not valid UTF-8 \(first invalid byte at offset 18\)/ },
  { name: 'Latin-1 bytes', post: { body: Buffer.from('[{"audit_event":"login","name":"J\u00fcrgen"}]', 'latin1'), logType: 'Other' }, status: 400, code: 'InvalidDataFormat', message: /not valid UTF-8/ },
  { name: 'a number among the records', post: { body: body([keeperPushEvents[0], 42]) }, status: 400, code: 'InvalidDataFormat', message: /^Record 1 is a number, not a JSON object\.$/ },
  { name: 'null among the records', post: { body: body([keeperPushEvents[0], keeperPushEvents[1], null]), logType: 'Other' }, status: 400, code: 'InvalidDataFormat', message: /Record 2 is null/ },
  { name: 'an array among the records', post: { body: body([[{ a: 1 }]]), logType: 'Other' }, status: 400, code: 'InvalidDataFormat', message: /Record 0 is an array/ },
  { name: 'a bare string body', post: { body: '"hello"', logType: 'Other' }, status: 400, code: 'InvalidDataFormat', message: /Record 0 is a string/ },
  { name: 'absurd nesting', post: { body: `[${nested(40)}]`, logType: 'Other' }, status: 400, code: 'InvalidDataFormat', message: /Record 0: property "a\.a\.a.*" nests deeper than 32 levels/ },
  { name: 'nesting too deep for any parser', post: { body: `[${nested(200_000)}]`, logType: 'Other' }, status: 400, code: 'InvalidDataFormat', message: /nests deeper than 32 levels/ },
  { name: '__proto__ key', post: { body: '[{"a":1},{"__proto__":{"polluted":true}}]', logType: 'Other' }, status: 400, code: 'InvalidDataFormat', message: /Record 1: property "__proto__" is not allowed/ },
  { name: 'nested constructor key', post: { body: body([{ a: { b: [{ constructor: { prototype: 1 } }] } }]), logType: 'Other' }, status: 400, code: 'InvalidDataFormat', message: /Record 0: property "a\.b\[0\]\.constructor" is not allowed/ },
  { name: 'reserved TimeGenerated', post: { body: body([{ TimeGenerated: '2026-01-01T00:00:00Z', msg: 'x' }]), logType: 'Other' }, status: 400, code: 'InvalidDataFormat', message: /Record 0: property "TimeGenerated" uses the reserved name TimeGenerated/ },
  { name: 'reserved tenant', post: { body: body([{ a: 1 }, { tenant: 'x' }]), logType: 'Other' }, status: 400, code: 'InvalidDataFormat', message: /Record 1: property "tenant" uses the reserved name tenant/ },
  { name: 'property name over 1,000 bytes as JSON', post: { body: body([{ ['n'.repeat(999)]: 1 }]), logType: 'Other' }, status: 400, code: 'InvalidDataFormat', message: /longer than 1000 bytes as JSON/ },
  { name: 'nested property name of control characters over 1,000 bytes as JSON', post: { body: body([{ a: [{ ['\u0001'.repeat(200)]: 1 }] }]), logType: 'Other' }, status: 400, code: 'InvalidDataFormat', message: /Record 0: property name "a\[0\]\.(\\u0001)+\.\.\." is longer than 1000 bytes as JSON/ },
  { name: 'reserved RawData in other case', post: { body: body([{ rawdata: 'x' }]) }, status: 400, code: 'InvalidDataFormat', message: /reserved name RawData/ },
  { name: 'Keeper event without audit_event', post: { body: body([keeperPushEvents[0], { username: 'a@b.c', timestamp: '2025-01-12T00:03:44.743Z' }]) }, status: 400, code: 'InvalidDataFormat', message: /Record 1 \(Keeper event\): property "audit_event" is missing/ },
  { name: 'Keeper enterprise_id as text', post: { body: body([{ ...keeperPushEvents[0], enterprise_id: '6557' }]) }, status: 400, code: 'InvalidDataFormat', message: /Record 0 \(Keeper event\): property "enterprise_id" must be an integer/ },
  { name: 'Keeper timestamp not a time', post: { body: body([{ ...keeperPushEvents[0], timestamp: 'yesterday' }]) }, status: 400, code: 'InvalidDataFormat', message: /property "timestamp".*ISO 8601/ },
  { name: 'Commander row with a numeric ip_address', post: { body: body([{ audit_event_type: 'login', ip_address: 10 }]) }, status: 400, code: 'InvalidDataFormat', message: /Record 0 \(Keeper Commander row\): property "ip_address"/ },
  { name: 'one bad record in a 250-event batch', post: { body: body(Array.from({ length: 250 }, (_, i) => (i === 137 ? { ...keeperPushEvents[0], category: 5 } : keeperPushEvents[i % 5]))) }, status: 400, code: 'InvalidDataFormat', message: /^Record 137 \(Keeper event\): property "category"/ },
  { name: 'Content-Length larger than the body', post: { headers: { 'Content-Length': '9999' }, signedLength: 9999 }, status: 400, code: 'InvalidDataFormat', message: /declares 9999 bytes but \d+ bytes were received/ },
  { name: 'Content-Length smaller than the body', post: { headers: { 'Content-Length': '10' }, signedLength: 10 }, status: 400, code: 'InvalidDataFormat', message: /declares 10 bytes but more than 10 bytes were received/ },
  { name: 'Content-Length not a number', post: { headers: { 'Content-Length': 'abc' } }, status: 400, code: 'InvalidDataFormat', message: /Content-Length header 'abc' is not a byte count/ },
  { name: 'declared length of 30 MB + 1 byte', post: { headers: { 'Content-Length': String(MB30 + 1) } }, status: 404, code: 'RequestTooLarge', message: /too large: the body is 31457281 bytes, the limit is 31457280 bytes/ },
];

async function expectNothingStored(): Promise<void> {
  expect(await queueLength(relay.connectionString, relay.queueName)).toBe(0);
  expect(await blobCount(relay.connectionString, relay.containerName)).toBe(0);
}

describe('bad input through POST /api/logs: refused with the legacy answer, nothing queued', () => {
  it('has at least 40 cases', () => expect(cases.length).toBeGreaterThanOrEqual(40));

  it.each(cases)('$name → $status $code', async ({ post, status, code, message }) => {
    const request = legacyRequest({ workspaceId: relay.workspaceId, key: relay.primaryKey, body: JSON.stringify(keeperPushEvents), ...post });
    const response = await legacyLogs(request, invocation());
    expect(response.status).toBe(status);
    const answer = response.jsonBody as { Error: string; Message: string };
    expect(answer.Error).toBe(code);
    expect(answer.Message).toMatch(message);
    expect(JSON.stringify(answer)).not.toMatch(/at .*\.ts:\d+|Error:|stack/);
    expect(JSON.stringify(answer)).not.toContain(relay.primaryKey);
    await expectNothingStored();
  });

  it('refuses a 30 MB + 1 byte body without Content-Length while reading it, not after', async () => {
    const big = Buffer.alloc(MB30 + 1, 0x20);
    let pulled = 0;
    const headers = legacyHeaders({ workspaceId: relay.workspaceId, key: relay.primaryKey, body: big });
    delete headers['Content-Length'];
    const request = streamedRequest(headers, (controller) => {
      const chunk = big.subarray(pulled, pulled + 1024 * 1024);
      pulled += chunk.length;
      if (chunk.length === 0) controller.close();
      else controller.enqueue(chunk);
    });
    const response = await legacyLogs(request, invocation());
    expect(response.status).toBe(404);
    expect((response.jsonBody as { Error: string }).Error).toBe('RequestTooLarge');
    expect(pulled).toBeLessThan(big.length + 2 * 1024 * 1024);
    await expectNothingStored();
  });

  it('refuses a real 30 MB + 1 byte body by its Content-Length before reading any of it', async () => {
    const big = Buffer.alloc(MB30 + 1, 0x20);
    let pulled = 0;
    const headers = legacyHeaders({ workspaceId: relay.workspaceId, key: relay.primaryKey, body: big });
    const request = streamedRequest(headers, (controller) => void (pulled++, controller.enqueue(big.subarray(0, 1024))));
    const response = await legacyLogs(request, invocation());
    expect(response.status).toBe(404);
    expect((response.jsonBody as { Error: string }).Error).toBe('RequestTooLarge');
    // The Request constructor may pre-pull one chunk; the handler itself reads nothing.
    expect(pulled).toBeLessThanOrEqual(1);
    await expectNothingStored();
  });

  it('answers a wrong key and an unserved workspace alike (same 403 body), both before reading the body', async () => {
    const answers = [];
    for (const post of [{ workspaceId: randomUUID(), key: relay.primaryKey }, { workspaceId: relay.workspaceId, key: randomBytes(64).toString('base64') }]) {
      let pulled = 0;
      const headers = legacyHeaders({ ...post, body: Buffer.alloc(MB30, 0x20) });
      const request = streamedRequest(headers, (controller) => void (pulled++, controller.enqueue(new Uint8Array(1024 * 1024))));
      const response = await legacyLogs(request, invocation());
      expect(pulled).toBeLessThanOrEqual(1);
      answers.push({ status: response.status, body: response.jsonBody });
    }
    expect(answers[0]).toEqual({ status: 403, body: { Error: 'InvalidAuthorization', Message: 'An invalid signature was specified in the Authorization header' } });
    expect(answers[1]).toEqual(answers[0]);
  });

  it('reads a body without Content-Length only up to the cap, then checks its signature', async () => {
    let pulled = 0;
    const headers = legacyHeaders({ workspaceId: relay.workspaceId, key: randomBytes(64).toString('base64'), body: '[{}]' });
    delete headers['Content-Length'];
    const request = streamedRequest(headers, (controller) => {
      pulled++;
      if (pulled > 1) return controller.close();
      controller.enqueue(Buffer.from('[{}]'));
    });
    const response = await legacyLogs(request, invocation());
    expect(response.status).toBe(403);
    expect(pulled).toBe(2);
    await expectNothingStored();
  });

  it('answers 403 for an unserved workspace before reading the body', async () => {
    let pulled = 0;
    const headers = legacyHeaders({ workspaceId: randomUUID(), key: relay.primaryKey, body: '[]' });
    const request = streamedRequest(headers, (controller) => void (pulled++, controller.enqueue(new Uint8Array(1024))));
    const response = await legacyLogs(request, invocation());
    expect(response.status).toBe(403);
    expect(pulled).toBeLessThanOrEqual(1);
  });
});

describe('bad input through POST /api/keeper/events', () => {
  const keeperPost = (text: string, contentType = 'application/json') =>
    keeperEvents(new HttpRequest({ method: 'POST', url: 'https://relay.example.net/api/keeper/events', headers: { 'content-type': contentType }, body: { string: text } }), invocation());

  it.each([
    { name: 'NDJSON with a broken line 3', text: '{"audit_event":"a"}\n{"audit_event":"b"}\n{"audit_event":\n', message: /^Line 3 is not valid JSON/ },
    { name: 'a non-Keeper record', text: '[{"hello":"world"}]', message: /Record 0 \(Keeper event\): property "audit_event" is missing/ },
    { name: 'shape B with data as a string', text: '[{"audit_event":"login","data":"x"}]', message: /property "data"/ },
    { name: 'shape B with a bad TimeGenerated', text: '[{"audit_event":"login","TimeGenerated":"soon"}]', message: /property "TimeGenerated".*ISO 8601/ },
  ])('$name → 400 InvalidDataFormat', async ({ text, message }) => {
    const response = await keeperPost(text);
    expect(response.status).toBe(400);
    expect((response.jsonBody as { Error: string }).Error).toBe('InvalidDataFormat');
    expect((response.jsonBody as { Message: string }).Message).toMatch(message);
    await expectNothingStored();
  });

  it('refuses an unsupported Content-Type', async () => {
    const response = await keeperPost('[]', 'application/xml');
    expect(response.status).toBe(400);
    expect(response.jsonBody).toMatchObject({ Error: 'UnsupportedContentType' });
  });
});

describe('kept, not refused: a property name that cannot become a column', () => {
  it.each([
    { name: 'an empty name', odd: { '': 'kept' } },
    { name: 'a name of symbols only', odd: { '@@-': 'kept' } },
    { name: 'a name starting with a digit', odd: { '9lives': 'kept' } },
    { name: 'a name with a line feed', odd: { 'a\nb': 'kept' } },
    { name: 'a name with terminal escapes', odd: { '\u001b[31m': 'kept', 'a\u0085b': 'kept' } },
    { name: 'a name of 501 characters', odd: { ['n'.repeat(501)]: 'kept' } },
  ])('$name among 20 records → 200, all 20 records queued as sent', async ({ odd }) => {
    const records = Array.from({ length: 20 }, (_, i) => (i === 7 ? { n: i, ...odd } : { n: i, msg: 'ok' }));
    const text = JSON.stringify(records);
    const response = await legacyLogs(legacyRequest({ workspaceId: relay.workspaceId, key: relay.primaryKey, body: text, logType: 'FluentBit' }), invocation());
    expect(response.status).toBe(200);
    const { QueueServiceClient } = await import('@azure/storage-queue');
    const queue = QueueServiceClient.fromConnectionString(relay.connectionString).getQueueClient(relay.queueName);
    expect(await queueLength(relay.connectionString, relay.queueName)).toBe(1);
    await queue.clearMessages();
  });
});

describe('storage down', () => {
  it('answers 503 ServiceUnavailable with Retry-After, so senders keep their data and retry', async () => {
    const dead = await freePort();
    const settings = loadSettings({ ...relay.env, RELAY_STORAGE: azuriteConnectionString(dead, dead) });
    // One try: the deadline that rides out a storage blip is tested with a real outage (storageOutage.test.ts).
    const runtime = createRelayRuntime(settings, { deadlineMs: 0 });
    const legacy = createLegacyLogsHandler(runtime);
    const response = await legacy(legacyRequest({ workspaceId: relay.workspaceId, key: relay.primaryKey, body: JSON.stringify(keeperPushEvents) }), invocation());
    expect(response.status).toBe(503);
    expect(response.jsonBody).toEqual({ Error: 'ServiceUnavailable', Message: expect.stringMatching(/could not store the request durably.*retry later/) });
    expect((response.headers as Record<string, string>)['Retry-After']).toBe('10');
    expect(JSON.stringify(response.jsonBody)).not.toMatch(/AccountKey|Eby8|127\.0\.0\.1/);

    const keeper = createKeeperEventsHandler(runtime);
    const keeperResponse = await keeper(
      new HttpRequest({ method: 'POST', url: 'https://relay.example.net/api/keeper/events', headers: { 'content-type': 'application/json' }, body: { string: JSON.stringify(keeperPushEvents) } }),
      invocation(),
    );
    expect(keeperResponse.status).toBe(503);
    await expectNothingStored();
  });
});
