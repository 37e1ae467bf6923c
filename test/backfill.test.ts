import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAMS } from '../shared/mapping/streamSchemas';
import { exitCode } from '../tools/backfill';
import { runBackfill, type BackfillOptions } from '../tools/backfillRun';
import { writeSampleExport, type SampleFormat } from '../tools/backfillSampleExports';
import { startLocalRunner, type LocalRunner } from '../tools/localRunner';
import { eventually, startTestIngestion, type TestIngestion } from './support/deliveryEnv';
import { applyEnv, testRelay } from './support/relayEnv';

/**
 * Backfill end to end over real HTTP: export files → backfill tool → local relay's Keeper door → Azurite queue →
 * queue trigger → Logs Ingestion emulator (HTTPS). `npm test` sends 10,000-event exports in each format (seconds);
 * `npm run bench:backfill` runs this same file with 100,000 (about a minute per format on two shared cores).
 */

const relay = testRelay('backfill');
let ingestion: TestIngestion;
let runner: LocalRunner;
const dir = mkdtempSync(path.join(tmpdir(), 'backfill-test-'));

beforeAll(async () => {
  ingestion = await startTestIngestion();
  // Messages of 4 MB take longer to deliver than the test default lease of 5 s.
  applyEnv({ ...relay.env, ...ingestion.env, RELAY_LOCAL_QUEUE_LEASE_SECONDS: '300' });
  runner = await startLocalRunner({ port: 0 });
});
afterAll(async () => {
  await runner?.close();
  await ingestion?.emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

function options(inputs: string[], overrides: Partial<BackfillOptions> = {}): BackfillOptions {
  return {
    inputs,
    url: `${runner.url}/api/keeper/events`,
    dryRun: false,
    checkpointFile: path.join(dir, `checkpoint-${Math.random().toString(36).slice(2)}.json`),
    fresh: false,
    requestBytes: 4 * 1024 * 1024,
    maxRetries: 10,
    retryBaseMs: 10,
    maxDelayMs: 200,
    timeoutMs: 60_000,
    progress: { write: () => true, isTTY: false },
    progressIntervalMs: 60_000,
    log: () => undefined,
    ...overrides,
  };
}

type Row = Record<string, unknown> & { data: Record<string, unknown> };

/** Sentinel-stream rows of one sample file: the tag is in `sample` (JSON, Syslog) or `name` (CSV). */
async function rowsTagged(tag: string): Promise<Row[]> {
  const rows = (await ingestion.emulator.rows(STREAMS.keeperSentinel.stream)) as Row[];
  return rows.filter((r) => String(r.data.sample ?? r.data.name ?? '').includes(`${tag}-`));
}

function perDay(rows: Row[]): Record<string, number> {
  const days: Record<string, number> = {};
  for (const r of rows) {
    const day = String(r.timestamp).slice(0, 10);
    days[day] = (days[day] ?? 0) + 1;
  }
  return days;
}

const EVENTS = Number(process.env.BACKFILL_TEST_EVENTS ?? 10_000);
const FILE_NAME: Record<SampleFormat, string> = { json: 'export.json', csv: 'export.csv', syslog: 'export.log' };

describe(`backfill of ${EVENTS.toLocaleString('en-US')}-event Keeper exports through the local relay`, () => {
  for (const format of ['json', 'csv', 'syslog'] as const) {
    it(`lands every event of a ${format} export exactly once, with its event time in timestamp`, { timeout: 240_000 }, async () => {
      const tag = `full${format}`;
      const file = path.join(dir, `${tag}-${FILE_NAME[format]}`);
      const sample = writeSampleExport(file, format, EVENTS, { badEvery: 2_500, tag });
      const t0 = Date.now();
      const summary = await runBackfill(options([file]));
      console.log(`backfill ${format}: ${Date.now() - t0} ms, ${summary.requests} requests`);
      expect(summary.stopReason).toBeUndefined();
      expect(summary.sent).toBe(EVENTS);
      // The bad lines are refused by number, the rest sent.
      expect(summary.refused).toBe(sample.badLines.length);
      expect(summary.files[0]!.progress.refusals.map((r) => r.line)).toEqual(sample.badLines);
      expect(summary.days).toEqual(sample.days);

      const rows = await eventually(
        async () => {
          const found = await rowsTagged(tag);
          expect(found.length).toBe(EVENTS);
          return found;
        },
        180_000,
        1000,
      );
      console.log(`landed ${format}: ${Date.now() - t0} ms`);
      expect(new Set(rows.map((r) => r.data.relay_event_id)).size).toBe(EVENTS);
      expect(perDay(rows)).toEqual(sample.days);
      // Events weeks old: TimeGenerated is the receive time, timestamp the event time.
      const old = rows.find((r) => String(r.timestamp).startsWith('2026-08-20'))!;
      expect(Date.parse(String(old.TimeGenerated))).toBeGreaterThan(Date.now() - 3600_000);
      // Keeper_CL: the event time in timestamp_t (a CSV's epoch milliseconds included), one row per event id.
      const legacy = await eventually(async () => {
        const found = (await ingestion.emulator.rows(STREAMS.keeperLegacyCl.stream)).filter((r) => String(r.relay_extra_s ?? r.name_s ?? '').includes(`${tag}-`));
        expect(found.length).toBe(EVENTS);
        return found;
      }, 60_000, 1000);
      expect(new Set(legacy.map((r) => r.relay_event_id_g)).size).toBe(EVENTS);
      expect(legacy.every((r) => typeof r.timestamp_t === 'string' && !('timestamp_d' in r))).toBe(true);
      expect(ingestion.emulator.stats().drops).toMatchObject({ undeclaredProperties: {}, typeMismatches: {}, truncatedValues: {} });
    });
  }
});

/** A front door that answers some requests itself (429, 503, a dropped connection) and passes the rest on. */
async function faultyFront(target: string, faults: Array<'429' | '503' | 'drop' | 'drop-after'>): Promise<{ url: string; server: Server; passed: () => number }> {
  let passed = 0;
  const server = createServer((req, res) => {
    const fault = faults.shift();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (fault === '429') return res.writeHead(429, { 'retry-after': '0' }).end();
      if (fault === '503') return res.writeHead(503, { 'retry-after': '0', 'content-type': 'application/json' }).end('{"Error":"ServiceUnavailable","Message":"x"}');
      if (fault === 'drop') return req.socket.destroy();
      void fetch(target, { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body: Buffer.concat(chunks) }).then(async (answer) => {
        passed++;
        // The relay accepted it but the answer is lost: the tool must send it again.
        if (fault === 'drop-after') return req.socket.destroy();
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' }).end(Buffer.from(await answer.arrayBuffer()));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/keeper/events`, server, passed: () => passed };
}

describe('backfill resilience', () => {
  it('resumes an interrupted backfill from its checkpoint and ends with exactly one row per event id', { timeout: 120_000 }, async () => {
    const tag = 'resume';
    const file = path.join(dir, 'resume.json');
    const sample = writeSampleExport(file, 'json', 6_000, { tag });
    const stop = new AbortController();
    const run = options([file], { requestBytes: 128 * 1024, stop: stop.signal, onSettled: (n) => n >= 3 && stop.abort() });
    const first = await runBackfill(run);
    expect(first.stopReason).toContain('stopped on request');
    expect(first.sent).toBeGreaterThan(0);
    expect(first.sent).toBeLessThan(sample.events);

    const second = await runBackfill({ ...run, stop: undefined, onSettled: undefined });
    expect(second.stopReason).toBeUndefined();
    expect(second.sent).toBe(sample.events);
    expect(second.days).toEqual(sample.days);

    const rows = await eventually(async () => {
      const found = await rowsTagged(tag);
      expect(found.length).toBe(sample.events);
      return found;
    }, 60_000, 500);
    expect(new Set(rows.map((r) => r.data.relay_event_id)).size).toBe(rows.length);

    // A whole re-run (no checkpoint) writes copies, but no new distinct event.
    await runBackfill(options([file]));
    const again = await eventually(async () => {
      const found = await rowsTagged(tag);
      expect(found.length).toBe(2 * sample.events);
      return found;
    }, 60_000, 500);
    expect(new Set(again.map((r) => r.data.relay_event_id)).size).toBe(sample.events);
  });

  it('retries 429, 503 and lost connections (honouring Retry-After) and still lands every event', { timeout: 120_000 }, async () => {
    const tag = 'retry';
    const file = path.join(dir, 'retry.csv');
    const sample = writeSampleExport(file, 'csv', 3_000, { tag });
    const front = await faultyFront(`${runner.url}/api/keeper/events`, ['429', '503', 'drop', 'drop-after']);
    try {
      const summary = await runBackfill(options([file], { url: front.url, requestBytes: 64 * 1024 }));
      expect(summary.stopReason).toBeUndefined();
      expect(summary.retries).toBe(4);
      expect(summary.sent).toBe(sample.events);
    } finally {
      front.server.close();
    }
    // The request whose answer was lost was sent twice: one duplicate batch, no new distinct events.
    const rows = await eventually(async () => {
      const found = await rowsTagged(tag);
      expect(new Set(found.map((r) => r.data.relay_event_id)).size).toBe(sample.events);
      return found;
    }, 60_000, 500);
    expect(rows.length).toBeGreaterThan(sample.events);
  });

  it('stops on a refused key without moving the checkpoint', async () => {
    const file = path.join(dir, 'key.log');
    writeSampleExport(file, 'syslog', 10, { tag: 'key' });
    const server = createServer((_req, res) => res.writeHead(401).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/keeper/events`;
      const summary = await runBackfill(options([file], { url, key: 'not-the-key' }));
      expect(summary.stopReason).toMatch(/answered HTTP 401.*check --url and --key/);
      expect(summary.stopReason).not.toContain('not-the-key');
      expect(summary.files[0]!.progress.position).toBe(0);
    } finally {
      server.close();
    }
  });

  it('sends the events before a broken part of a file and reports the file as failed', async () => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '[{"audit_event":"login","timestamp":"2026-09-14T10:00:00.000Z"},\n{"audit_event":"logout","timestamp":"2026-09-14T10:00:01.000Z"},\n{"audit_event": "x"');
    const summary = await runBackfill(options([file]));
    expect(summary.files[0]).toMatchObject({ status: 'failed', error: 'line 3: the file ends inside the array (no closing "]")' });
    expect(summary.sent).toBe(2);
    expect(summary.days).toEqual({ '2026-09-14': 2 });
    // The file is not complete: the command must not exit 0 (nor 2, which says only events were refused).
    expect(exitCode(summary, false)).toBe(1);
  });

  it('dry run counts per day within --since/--until and sends nothing', async () => {
    const file = path.join(dir, 'dry.csv');
    const sample = writeSampleExport(file, 'csv', 30_000, { tag: 'dry' });
    const days = Object.keys(sample.days).sort();
    const summary = await runBackfill(options([file], { dryRun: true, url: 'http://127.0.0.1:9/nowhere', since: new Date(`${days[1]}T00:00:00Z`), until: new Date(`${days[2]}T00:00:00Z`) }));
    expect(summary.requests).toBe(0);
    expect(summary.days).toEqual({ [days[1]!]: sample.days[days[1]!] });
    expect(summary.outside).toBe(sample.events - sample.days[days[1]!]!);
  });
});
