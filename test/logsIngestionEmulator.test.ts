import { request } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { isAggregateLogsUploadError, LogsIngestionClient } from '@azure/monitor-ingestion';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DevelopmentTokenCredential, DEVELOPMENT_TOKEN_PREFIX } from '../shared/delivery/developmentCredential';
import {
  CONTENT_LIMIT_MESSAGE,
  INVALID_API_VERSION,
  MAX_CONTENT_BYTES,
  SUPPORTED_API_VERSIONS,
  loadOrCreateCertificate,
  seededRandom,
  startLogsIngestionEmulator,
  type FaultKind,
  type RunningLogsIngestionEmulator,
} from '../tools/logsIngestionEmulator';
import { FaultInjector } from '../tools/logsIngestionEmulator/faults';

const DCR = 'dcr-0123456789abcdef0123456789abcdef';
const RELAYED = 'Custom-RelayedLogs';
const KEEPER = 'Custom-KeeperSecurityEventNewLogs';
const LEGACY = 'Custom-Keeper_CL';
const AUDIENCE = 'https://monitor.azure.com';

let emulator: RunningLogsIngestionEmulator;
let workDir: string;
let certDir: string;

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

async function devToken(audience = AUDIENCE): Promise<string> {
  return (await new DevelopmentTokenCredential().getToken(`${audience}/.default`)).token;
}

/** A plain https call, so the tests control every header and byte the SDK would otherwise choose. */
function raw(
  pathAndQuery: string,
  options: { body?: Buffer | string; headers?: Record<string, string>; method?: string } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${emulator.url}${pathAndQuery}`,
      { method: options.method ?? 'POST', ca: emulator.ca, agent: false, headers: { 'content-type': 'application/json', ...options.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

async function post(body: Buffer | string, extra: { stream?: string; dcr?: string; query?: string; headers?: Record<string, string> } = {}) {
  const query = extra.query ?? '?api%2Dversion=2023-01-01';
  return raw(`/dataCollectionRules/${extra.dcr ?? DCR}/streams/${extra.stream ?? RELAYED}${query}`, {
    body,
    headers: { authorization: `Bearer ${await devToken()}`, ...extra.headers },
  });
}

function client(audience?: string): LogsIngestionClient {
  return new LogsIngestionClient(emulator.url, new DevelopmentTokenCredential(), {
    ...(audience ? { audience } : {}),
    tlsOptions: { ca: emulator.ca },
  });
}

/** The failures of an SDK upload, or an error when it unexpectedly succeeded. */
async function uploadFailures(promise: Promise<void>) {
  const error: unknown = await promise.then(
    () => new Error('upload unexpectedly succeeded'),
    (e: unknown) => e,
  );
  if (!isAggregateLogsUploadError(error)) throw error;
  return error.errors.map((failure) => {
    const cause = failure.cause as Error & { statusCode?: number; code?: string };
    return { statusCode: cause.statusCode, code: cause.code, message: cause.message, failedLogs: failure.failedLogs.length };
  });
}

function relayedRow(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    TimeGenerated: new Date().toISOString(),
    LogType: 'Sample',
    EventId: `event-${i}`,
    Truncated: false,
    Record: { index: i, nested: { ok: true, list: [1, 'two', null] } },
    ...extra,
  };
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'logs-emulator-test-'));
  certDir = path.join(workDir, 'certs');
  emulator = await startLogsIngestionEmulator({
    dataDir: path.join(workDir, 'data'),
    certDir,
    dcrs: { [DCR]: [RELAYED, KEEPER], 'dcr-legacy': [LEGACY] },
  });
});

afterAll(async () => {
  await emulator?.close();
  await rm(workDir, { recursive: true, force: true });
});

beforeEach(() => {
  emulator.setFaults({ fraction: 0 });
  emulator.reset();
});

describe('certificate', () => {
  it('is cached in certDir and reused, and valid for both 127.0.0.1 and localhost', async () => {
    const again = await loadOrCreateCertificate(certDir);
    expect(again.ca).toBe(emulator.ca);
    expect(again.caFile).toBe(path.join(certDir, 'ca.pem'));
    const viaLocalhost = await new Promise<number>((resolve, reject) => {
      request(`https://localhost:${emulator.port}/_emulator/stats`, { ca: emulator.ca, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(viaLocalhost).toBe(200);
  });
});

describe('with the real @azure/monitor-ingestion client', () => {
  it('uploads, and the rows are stored exactly as sent', async () => {
    const records = [relayedRow(1), relayedRow(2), relayedRow(3, { ResourceId: null })];
    await client().upload(DCR, RELAYED, records);
    expect(await emulator.rows(RELAYED)).toEqual(records);
    const stats = emulator.stats();
    expect(stats).toMatchObject({ calls: 1, acceptedCalls: 1, acceptedRows: 3, gzipCalls: 1, responses: { '204': 1 } });
    expect(stats.requestBytes.total).toBe(Buffer.byteLength(JSON.stringify(records)));
    expect(stats.requestBytes.mean).toBe(stats.requestBytes.total);
  });

  it('drops undeclared properties, nulls mistyped values, truncates values over 64 KB, and counts each', async () => {
    const long = 'é'.repeat(40_000); // 80,000 UTF-8 bytes
    await client().upload(DCR, KEEPER, [
      { TimeGenerated: '2026-11-22T10:00:00Z', audit_event: 'login', enterprise_id: 42, extra_field: 'x', data: { a: 1 } },
      { TimeGenerated: 'yesterday', enterprise_id: '42', username: long, other: 1, extra_field: 2 },
      { enterprise_id: 1.5, timestamp: 1_700_000_000 },
    ]);
    const rows = await emulator.rows(KEEPER);
    expect(rows[0]).toEqual({ TimeGenerated: '2026-11-22T10:00:00Z', audit_event: 'login', enterprise_id: 42, data: { a: 1 } });
    expect(rows[1]).toMatchObject({ TimeGenerated: null, enterprise_id: null });
    expect(rows[1]).not.toHaveProperty('other');
    expect(Buffer.byteLength(rows[1]!.username as string)).toBe(65_536);
    expect(rows[2]).toEqual({ enterprise_id: null, timestamp: null });
    expect(emulator.stats().drops).toMatchObject({
      undeclaredProperties: { [KEEPER]: { extra_field: 2, other: 1 } },
      typeMismatches: { [KEEPER]: { TimeGenerated: 1, enterprise_id: 2, timestamp: 1 } },
      truncatedValues: { [KEEPER]: { username: 1 } },
    });
  });

  it('refuses a token for another audience with 401', async () => {
    const failures = await uploadFailures(client('https://monitor.azure.us').upload(DCR, RELAYED, [relayedRow(1)]));
    expect(failures).toMatchObject([{ statusCode: 401, code: 'InvalidToken' }]);
    expect(await emulator.rows(RELAYED)).toEqual([]);
  });

  it('answers 404 NotFound for an unknown DCR and for a stream the DCR does not declare', async () => {
    expect(await uploadFailures(client().upload('dcr-unknown', RELAYED, [relayedRow(1)]))).toMatchObject([{ statusCode: 404, code: 'NotFound' }]);
    expect(await uploadFailures(client().upload('dcr-legacy', RELAYED, [relayedRow(1)]))).toMatchObject([{ statusCode: 404, code: 'NotFound' }]);
  });

  it('stays under the limit when the SDK chunks more than 1 MB of ordinary records', async () => {
    const records = Array.from({ length: 2_500 }, (_, i) => relayedRow(i, { Record: { text: 'x'.repeat(500), i } }));
    await client().upload(DCR, RELAYED, records);
    const stats = emulator.stats();
    expect(stats.acceptedRows).toBe(2_500);
    expect(stats.requestBytes.count).toBeGreaterThan(1);
    expect(stats.requestBytes.max).toBeLessThanOrEqual(MAX_CONTENT_BYTES);
    // Chunks run concurrently, so they may land in any order: compare as sets.
    const stored = (await emulator.rows(RELAYED)).map((row) => row.EventId as string).sort();
    expect(stored).toEqual(records.map((row) => row.EventId as string).sort());
  });

  it('SDK gap: chunks of tiny records exceed 1 MB, because the SDK does not count the commas between them', async () => {
    // '{"LogType":"x"}' is 15 bytes: 66,666 fit the SDK's 1,000,000-byte budget, plus 66,665 commas = 1,066,667.
    const records = Array.from({ length: 70_000 }, () => ({ LogType: 'x' }));
    const failures = await uploadFailures(client().upload(DCR, RELAYED, records));
    expect(failures).toMatchObject([{ statusCode: 413, code: 'ContentLengthLimitExceeded', failedLogs: 66_666 }]);
    expect(emulator.stats().acceptedRows).toBe(70_000 - 66_666);
  });

  it('answers 413 ContentLengthLimitExceeded to a single record over 1 MB', async () => {
    const failures = await uploadFailures(client().upload(DCR, RELAYED, [relayedRow(1, { Record: 'y'.repeat(1_100_000) })]));
    expect(failures).toMatchObject([{ statusCode: 413, code: 'ContentLengthLimitExceeded', message: CONTENT_LIMIT_MESSAGE }]);
    expect(emulator.stats().acceptedCalls).toBe(0);
  });

  it('gives up at once on 429 without Retry-After', async () => {
    emulator.setFaults({ fraction: 1, kinds: ['429'] });
    expect(await uploadFailures(client().upload(DCR, RELAYED, [relayedRow(1)]))).toMatchObject([{ statusCode: 429 }]);
    expect(emulator.stats().calls).toBe(1);
  });

  it('retries 503 with Retry-After and succeeds with a third of the calls failing (seeded)', async () => {
    // Retries wait exactly Retry-After (1 s), so calls go in rounds: seed 12 fails 3 of the 6 first calls, then 1 of
    // the 3 retries, then none. (Seed 7 fails one chunk 4 times in a row: the SDK's 3 retries are not enough.)
    emulator.setFaults({ fraction: 1 / 3, kinds: ['503'], seed: 12 });
    const batches = Array.from({ length: 6 }, (_, b) => Array.from({ length: 20 }, (_, i) => relayedRow(b * 100 + i)));
    await Promise.all(batches.map((batch) => client().upload(DCR, RELAYED, batch)));
    const stats = emulator.stats();
    const faults = stats.faults['503'] ?? 0;
    expect(faults).toBe(4);
    expect(stats.responses).toEqual({ '204': 6, '503': faults });
    expect(stats.calls).toBe(6 + faults);
    const stored = (await emulator.rows(RELAYED)).map((row) => row.EventId as string).sort();
    expect(stored).toEqual(batches.flat().map((row) => row.EventId as string).sort());
  });
});

describe('raw requests', () => {
  it('accepts a gzip body and both api-version spellings', async () => {
    const rows = [relayedRow(1)];
    expect((await post(gzipSync(JSON.stringify(rows)), { headers: { 'content-encoding': 'gzip' } })).status).toBe(204);
    expect((await post(JSON.stringify(rows), { query: '?api-version=2023-01-01' })).status).toBe(204);
    expect(await emulator.rows(RELAYED)).toEqual([...rows, ...rows]);
    expect(emulator.stats().gzipCalls).toBe(1);
  });

  it('answers 400 to a body that is not a JSON array of objects, or not JSON at all', async () => {
    for (const body of ['{"LogType":"x"}', '[{"LogType":"x"}', '[1,2]', '']) {
      const answer = await post(body);
      expect(answer.status, body).toBe(400);
      expect(answer.headers['x-ms-error-code']).toBe('InvalidPayload');
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'InvalidPayload' } });
    }
    expect((await post(Buffer.from('not gzip'), { headers: { 'content-encoding': 'gzip' } })).status).toBe(400);
  });

  it('accepts every api-version the service does (2023-01-01 and 2021-11-01-preview), over HTTPS', async () => {
    expect(SUPPORTED_API_VERSIONS).toEqual(['2021-11-01-preview', '2023-01-01']);
    for (const version of SUPPORTED_API_VERSIONS) {
      const answer = await post(JSON.stringify([relayedRow(1, { EventId: version })]), { query: `?api-version=${version}` });
      expect(answer.status, version).toBe(204);
    }
    expect((await emulator.rows(RELAYED)).map((row) => row.EventId)).toEqual(['2021-11-01-preview', '2023-01-01']);
  });

  it('answers an unknown or missing api-version 400 in the service error shape, storing nothing', async () => {
    for (const version of ['2016-04-01', '2023-04-24', '2023-01-01-preview', '']) {
      const answer = await post(JSON.stringify([relayedRow(1)]), { query: `?api-version=${version}` });
      expect(answer.status, version).toBe(400);
      expect(answer.headers['x-ms-error-code']).toBe(INVALID_API_VERSION.code);
      expect(JSON.parse(answer.body)).toEqual({ error: { code: 'InvalidApiVersion', message: 'The api version is invalid. Allowed Api versions: 2021-11-01-preview,2023-01-01.' } });
    }
    const missing = await post('[]', { query: '' });
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.body)).toMatchObject({ error: { code: 'MissingApiVersionParameter' } });
    expect(await emulator.rows(RELAYED)).toEqual([]);
  });

  it('answers 401 without a token, with a foreign token and with an expired one', async () => {
    const path = `/dataCollectionRules/${DCR}/streams/${RELAYED}?api-version=2023-01-01`;
    const missing = await raw(path, { body: '[]' });
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(JSON.parse(missing.body)).toMatchObject({ error: { code: 'InvalidToken' } });
    const expired = DEVELOPMENT_TOKEN_PREFIX + Buffer.from(JSON.stringify({ aud: AUDIENCE, exp: 1_000, sub: 't' })).toString('base64url');
    for (const token of ['eyJhbGciOiJub25lIn0.e30.', expired]) {
      expect((await raw(path, { body: '[]', headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    }
  });

  it('answers 413 over 1,048,576 uncompressed bytes, including a small gzip bomb, and stores nothing', async () => {
    const exact = JSON.stringify([{ LogType: 'x'.repeat(MAX_CONTENT_BYTES - 16) }]);
    expect(Buffer.byteLength(exact)).toBe(MAX_CONTENT_BYTES);
    expect((await post(exact)).status).toBe(204);
    const over = JSON.stringify([{ LogType: 'x'.repeat(MAX_CONTENT_BYTES - 15) }]);
    const answer = await post(over);
    expect(answer.status).toBe(413);
    expect(answer.headers['x-ms-error-code']).toBe('ContentLengthLimitExceeded');
    expect(JSON.parse(answer.body)).toEqual({ error: { code: 'ContentLengthLimitExceeded', message: CONTENT_LIMIT_MESSAGE } });
    const bomb = gzipSync(Buffer.from(`[${'{"LogType":"x"},'.repeat(3_000_000)}{}]`));
    expect(bomb.length).toBeLessThan(200_000);
    expect((await post(bomb, { headers: { 'content-encoding': 'gzip' } })).status).toBe(413);
    expect(emulator.stats().acceptedCalls).toBe(1);
  });

  it('serves stats and rows for other processes', async () => {
    await post(JSON.stringify([relayedRow(1)]));
    const stats = await raw('/_emulator/stats', { method: 'GET' });
    expect(JSON.parse(stats.body)).toMatchObject({ acceptedRows: 1 });
    const rows = await raw(`/_emulator/rows/${RELAYED}`, { method: 'GET' });
    expect(JSON.parse(rows.body)).toHaveLength(1);
  });
});

describe('fault injection', () => {
  const failing: { kind: FaultKind; status: number; code: string; retryAfter?: string }[] = [
    { kind: '429-retry-after', status: 429, code: 'TooManyRequests', retryAfter: '1' },
    { kind: '429', status: 429, code: 'TooManyRequests' },
    { kind: '500', status: 500, code: 'InternalServerError' },
    { kind: '503', status: 503, code: 'ServiceUnavailable', retryAfter: '1' },
    { kind: '403', status: 403, code: 'OperationFailed' },
    { kind: '404', status: 404, code: 'NotFound' },
  ];

  it.each(failing)('$kind answers $status $code and stores nothing', async ({ kind, status, code, retryAfter }) => {
    emulator.setFaults({ fraction: 1, kinds: [kind] });
    const answer = await post(JSON.stringify([relayedRow(1)]));
    expect(answer.status).toBe(status);
    expect(answer.headers['x-ms-error-code']).toBe(code);
    expect(answer.headers['retry-after']).toBe(retryAfter);
    expect(await emulator.rows(RELAYED)).toEqual([]);
    expect(emulator.stats()).toMatchObject({ acceptedCalls: 0, faults: { [kind]: 1 } });
  });

  it('reset destroys the connection without an answer and stores nothing', async () => {
    emulator.setFaults({ fraction: 1, kinds: ['reset'] });
    await expect(post(JSON.stringify([relayedRow(1)]))).rejects.toMatchObject({ code: expect.stringMatching(/ECONNRESET|EPIPE/) });
    expect(await emulator.rows(RELAYED)).toEqual([]);
    expect(emulator.stats().responses).toEqual({ reset: 1 });
  });

  it('slow answers 204 after the delay and stores the rows', async () => {
    emulator.setFaults({ fraction: 1, kinds: ['slow'], slowMs: 300 });
    const started = Date.now();
    expect((await post(JSON.stringify([relayedRow(1)]))).status).toBe(204);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(await emulator.rows(RELAYED)).toHaveLength(1);
  });

  it('a seed reproduces the same fault sequence', () => {
    const sequence = (seed: number) => {
      const injector = new FaultInjector({ fraction: 1 / 3, kinds: ['503', '429', 'reset'], seed });
      return Array.from({ length: 30 }, () => injector.next() ?? 'ok');
    };
    expect(sequence(11)).toEqual(sequence(11));
    expect(sequence(11)).not.toEqual(sequence(12));
    const hits = sequence(11).filter((kind) => kind !== 'ok').length;
    expect(hits).toBeGreaterThan(3);
    expect(hits).toBeLessThan(20);
    expect(seededRandom(1)()).toBe(seededRandom(1)());
  });
});
