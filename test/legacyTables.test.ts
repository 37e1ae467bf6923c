import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordObject } from '../shared/ingest/recordRules';
import { parseRecordText } from '../shared/mapping/recordText';
import { STREAMS } from '../shared/mapping/streamSchemas';
import { reassemble, type Fragment } from '../shared/mapping/valueFragments';
import { startLocalRunner, type LocalRunner } from '../tools/localRunner';
import { buildDeclaration, writeDeclaration } from '../tools/table/declaration';
import { importTableSchema } from '../tools/table/importSchema';
import { eventually, startTestIngestion, type TestIngestion } from './support/deliveryEnv';
import { keeperPushEvents } from './support/keeperSamples';
import { legacyHeaders } from './support/legacyRequest';
import { applyEnv, testRelay } from './support/relayEnv';

/**
 * Done-when of "every legacy table keeps working": a Log-Type with a table declared by importing a classic table's
 * schema JSON, posted through the local relay over HTTP, lands in the emulator as the retired API typed it.
 */
const relay = testRelay('tables');
const MYAPP = 'Custom-MyApp_CL';
let ingestion: TestIngestion;
let runner: LocalRunner;

beforeAll(async () => {
  const streamsDir = mkdtempSync(path.join(tmpdir(), 'relay-streams-'));
  const shipped = path.join(__dirname, '..', 'shared', 'streams');
  for (const file of readdirSync(shipped)) copyFileSync(path.join(shipped, file), path.join(streamsDir, file));
  // What `npm run table -- import test/samples/myapp-classic-table.json` writes.
  const imported = importTableSchema(JSON.parse(readFileSync(path.join(__dirname, 'samples', 'myapp-classic-table.json'), 'utf8')));
  writeDeclaration(
    path.join(streamsDir, 'myapp.json'),
    buildDeclaration({ logType: 'MyApp', table: imported.table, columns: imported.columns, tableSource: 'classic', description: 'MyApp_CL, imported' }),
  );
  ingestion = await startTestIngestion({ streamsDir, extraStreams: [MYAPP] });
  applyEnv({ ...relay.env, ...ingestion.env });
  runner = await startLocalRunner({ port: 0 });
});
afterAll(async () => {
  await runner?.close();
  await ingestion?.emulator.close();
});

/** Posts record texts exactly as given (so `3.0` stays `3.0` on the wire). */
async function post(texts: string[], logType: string, headers: Record<string, string> = {}): Promise<void> {
  const body = `[${texts.join(',')}]`;
  const signed = legacyHeaders({ workspaceId: relay.workspaceId, key: relay.primaryKey, body, logType });
  delete signed['Content-Length'];
  const response = await fetch(`${runner.url}/api/logs?api-version=2016-04-01`, { method: 'POST', headers: { ...signed, ...headers }, body });
  expect(response.status).toBe(200);
}

const json = (record: unknown) => JSON.stringify(record);

/** Delivery is at least once: a message redelivered after a lost lease writes its rows again; compare one copy. */
function uniqueBy<T>(rows: T[], key: (row: T) => unknown): T[] {
  const seen = new Map<string, T>();
  for (const row of rows) seen.set(JSON.stringify(key(row)), row);
  return [...seen.values()];
}
/** Parts may arrive in different upload calls, in any order: reassembly takes them by part number. */
const byPart = <T>(rows: T[], part: (row: T) => unknown) => [...rows].sort((a, b) => Number(part(a) ?? 1) - Number(part(b) ?? 1));
const WAIT_MS = 150_000;
const SLOW = { timeout: 180_000 };

/** Rows of a stream as the emulator stored them, numbers as written, whose text mentions the marker. */
async function rowsWith(stream: string, marker: string, count: number): Promise<{ rows: RecordObject[]; texts: string[] }> {
  return eventually(async () => {
    const texts = (await ingestion.emulator.rowTexts(stream)).filter((t) => t.includes(marker));
    expect(texts.length).toBeGreaterThanOrEqual(count);
    return { texts, rows: uniqueBy(texts.map((t) => JSON.parse(t) as RecordObject), (r) => [r.relay_event_id_g, extraOf(r).relay_part]) };
  }, WAIT_MS);
}

const extraOf = (row: RecordObject) => (row.relay_extra_s === undefined ? {} : (parseRecordText(String(row.relay_extra_s)).record as RecordObject));

function expectNoSilentLoss(): void {
  expect(ingestion.emulator.stats().drops).toMatchObject({ undeclaredProperties: {}, typeMismatches: {}, truncatedValues: {} });
}

describe('a declared legacy table (MyApp_CL, imported from its classic schema) through the local relay', () => {
  it('lands typed rows that answer the classic queries, with type conflicts, undeclared and unnameable properties kept', SLOW, async () => {
    const run = randomUUID();
    const texts = [
      `{"run":"${run}","i":0,"level":"error","message":"disk full","count":3.0,"ok":true,"request_id":"6F1D7C2E8B3A4E5F9A0B1C2D3E4F5A6B","Computer":"web-01","tags":{"env":"prod","zone":1.0},"host":"web-01","when":"2026-01-02T03:04:05Z"}`,
      json({ run, i: 1, level: 'warn', count: 'many' }),
      json({ run, i: 2, level: 'warn', ok: 'yes' }),
      json({ run, i: 3, level: 'info', region: 'westeurope' }),
      json({ run, i: 4, level: 'info', '': 'no name', '@@-': 'symbols' }),
      `{"run":"${run}","i":5,"level":"info","big":9007199254740993}`,
      `{"run":"${run}","i":6,"level":"info","big":1e400}`,
      `{"run":"${run}","i":7,"level":"info","latency":12.50,"user":null}`,
      `{"run":"${run}","i":8,"level":"info","tags":{"id":9007199254740993}}`,
      ...Array.from({ length: 11 }, (_, i) => json({ run, i: 9 + i, level: 'info', message: `m${i}`, user: 'ana@contoso.com' })),
    ];
    await post(texts, 'MyApp');
    const { rows } = await rowsWith(MYAPP, run, 20);
    expect(rows).toHaveLength(20);
    const byIndex = new Map(rows.map((r) => [Number(extraOf(r).i), r]));

    // The retired API's typing: _s, _d, _b, _t, GUID with dashes, Computer unsuffixed, nested as JSON text (numbers as sent).
    expect(byIndex.get(0)).toMatchObject({
      level_s: 'error',
      message_s: 'disk full',
      count_d: 3,
      ok_b: true,
      request_id_g: '6f1d7c2e-8b3a-4e5f-9a0b-1c2d3e4f5a6b',
      Computer: 'web-01',
      tags_s: '{"env":"prod","zone":1.0}',
      host_s: 'web-01',
      when_t: '2026-01-02T03:04:05.000Z',
    });
    // Type conflicts: the other suffix's column when declared (count_s), else kept whole in relay_extra_s.
    expect(byIndex.get(1)).toMatchObject({ count_s: 'many' });
    expect(byIndex.get(1)!.count_d).toBeUndefined();
    expect(extraOf(byIndex.get(2)!)).toMatchObject({ ok: 'yes' });
    expect(extraOf(byIndex.get(3)!)).toMatchObject({ region: 'westeurope' });
    expect(extraOf(byIndex.get(4)!)).toMatchObject({ '': 'no name', '@@-': 'symbols' });
    // Numbers: the real column holds the double; what it cannot hold exactly is kept as text and flagged.
    expect(byIndex.get(5)!.big_d).toBe(9007199254740992);
    expect(extraOf(byIndex.get(5)!)).toMatchObject({ big: '9007199254740993', relay_as_text: ['big'] });
    expect(byIndex.get(6)!.big_d).toBeUndefined();
    expect(extraOf(byIndex.get(6)!)).toMatchObject({ big: '1e400', relay_as_text: ['big'] });
    expect(byIndex.get(7)).toMatchObject({ latency_d: 12.5 });
    expect(byIndex.get(7)!.user_s).toBeUndefined();
    expect(byIndex.get(8)!.tags_s).toBe('{"id":9007199254740993}');
    // Every row carries the relay's event id; the classic queries answer as before.
    expect(rows.every((r) => /^[0-9a-f-]{36}$/.test(String(r.relay_event_id_g)))).toBe(true);
    expect(rows.filter((r) => r.level_s === 'error')).toHaveLength(1); // MyApp_CL | where level_s == "error"
    expect(rows.filter((r) => r.user_s === 'ana@contoso.com')).toHaveLength(11); // | where user_s == "ana@contoso.com"
    expectNoSilentLoss();
  });

  it('keeps a record of forty 2 KB undeclared fields whole, over continuation rows sharing its event id', SLOW, async () => {
    const run = randomUUID();
    const record = { run, level: 'info', ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`field${i}`, `${i}`.padEnd(2048, 'x')])) };
    await post([json(record)], 'MyApp');
    const { rows } = await eventually(async () => {
      const found = await rowsWith(MYAPP, run, 1);
      const id = found.rows[0]!.relay_event_id_g;
      const all = uniqueBy((await ingestion.emulator.rows(MYAPP)).filter((r) => r.relay_event_id_g === id), (r) => extraOf(r).relay_part);
      expect(all.length).toBe(Number(extraOf(all[0]!).relay_parts ?? 1));
      return { rows: all };
    });
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.find((r) => extraOf(r).relay_part === 1)).toMatchObject({ level_s: 'info' });
    const fragments = byPart(rows, (r) => extraOf(r).relay_part).map((r) => fragmentOf(extraOf(r)));
    expect(reassemble(fragments)).toEqual(Object.fromEntries(Object.entries(record).filter(([k]) => k !== 'level')));
    expectNoSilentLoss();
  });
});

/** A split record's Keeper `data` or extra-column value (mappedRows.fragmentObject) as a Fragment. */
function fragmentOf(value: RecordObject): Fragment {
  return { path: value.relay_path as Fragment['path'], offset: value.relay_offset as number | undefined, value: value.relay_value };
}

describe('the catch-all never cuts or stringifies a record', () => {
  async function catchAllRecord(run: string): Promise<{ rows: RecordObject[]; texts: string[] }> {
    return eventually(async () => {
      const texts = await ingestion.emulator.rowTexts(STREAMS.relayedLogs.stream);
      const first = texts.find((t) => t.includes(run));
      expect(first).toBeDefined();
      const id = parseRecordText(first!).record.EventId;
      const mine = texts.filter((t) => t.includes(`"EventId":"${id}"`));
      const rows = uniqueBy(mine.map((t) => parseRecordText(t).record), (r) => r.Part);
      expect(rows.length).toBe(Number(rows[0]!.PartCount ?? 1));
      return { rows: rows.sort((a, b) => Number(a.Part ?? 1) - Number(b.Part ?? 1)), texts: mine };
    }, WAIT_MS);
  }
  const reassembled = (rows: RecordObject[]) =>
    rows.length === 1 ? rows[0]!.Record : reassemble(rows.map((r) => ({ path: r.PartPath as Fragment['path'], offset: r.PartOffset as number | undefined, value: r.Record })));

  it.each([
    { name: 'forty 2 KB fields', extra: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, 'y'.repeat(2048)])) },
    { name: '25,000 small objects', extra: { items: Array.from({ length: 25_000 }, (_, i) => ({ i, ok: i % 2 === 0 })) } },
  ])('a record of $name lands whole', SLOW, async ({ extra }) => {
    const run = randomUUID();
    const record = { run, ...extra };
    await post([json(record)], 'BigRecords');
    const { rows } = await catchAllRecord(run);
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.every((r) => r.Truncated === false)).toBe(true);
    expect(reassembled(rows)).toEqual(record);
    expectNoSilentLoss();
  });

  it('keeps 3.0, 9007199254740993 as sent and 1e400 as flagged text', SLOW, async () => {
    const run = randomUUID();
    await post([`{"run":"${run}","real":3.0,"big":9007199254740993,"huge":1e400,"nested":{"r":2.50}}`], 'Numbers');
    const { texts, rows } = await catchAllRecord(run);
    expect(texts[0]).toContain('"real":3.0');
    expect(texts[0]).toContain('"big":9007199254740993');
    expect(texts[0]).toContain('"huge":"1e400"');
    expect(texts[0]).toContain('"r":2.50');
    expect(rows[0]!.ValuesAsText).toEqual(['huge']);
  });

  it('accepts a request with one unnameable property among 20 records and lands all 20', SLOW, async () => {
    const run = randomUUID();
    await post(Array.from({ length: 20 }, (_, i) => json(i === 13 ? { run, i, '': 'no name' } : { run, i })), 'FluentBit');
    await eventually(async () => {
      const rows = uniqueBy((await ingestion.emulator.rows(STREAMS.relayedLogs.stream)).filter((r) => (r.Record as RecordObject).run === run), (r) => r.EventId);
      expect(rows).toHaveLength(20);
      expect(rows.find((r) => (r.Record as RecordObject).i === 13)!.Record).toEqual({ run, i: 13, '': 'no name' });
    }, WAIT_MS);
  });
});

describe('Keeper events on the same mechanism', () => {
  it('lands an event with 200 attributes of 2,000 characters whole in both Keeper tables, and a 64-bit enterprise_id', SLOW, async () => {
    const run = randomUUID();
    const attributes = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`attr${i}`, `${i}`.padEnd(2000, 'k')]));
    const event = { ...keeperPushEvents[0]!, enterprise_id: 5_000_000_000, run, ...attributes };
    await post([json(event)], 'Keeper');
    const sentinel = await eventually(async () => {
      const all = await ingestion.emulator.rows(STREAMS.keeperSentinel.stream);
      // A split event's data is wrapped ({relay_part, relay_value, …}): look for the marker anywhere in it.
      const first = all.find((r) => JSON.stringify(r.data).includes(run));
      expect(first).toBeDefined();
      const id = (first!.data as RecordObject).relay_event_id;
      const mine = uniqueBy(all.filter((r) => (r.data as RecordObject).relay_event_id === id), (r) => (r.data as RecordObject).relay_part);
      expect(mine.length).toBe(Number((first!.data as RecordObject).relay_parts));
      return mine;
    }, WAIT_MS);
    const first = sentinel.find((r) => (r.data as RecordObject).relay_part === 1)!;
    expect(first).toMatchObject({ audit_event: 'role_created', username: 'user@company.com' });
    expect(first.enterprise_id).toBeUndefined();
    const data = reassemble(byPart(sentinel, (r) => (r.data as RecordObject).relay_part).map((r) => fragmentOf(r.data as RecordObject))) as RecordObject;
    expect(data).toMatchObject({ ...attributes, run, enterprise_id: 5_000_000_000, relay_not_in_column: ['enterprise_id'] });
    const legacy = await eventually(async () => {
      const all = await ingestion.emulator.rows(STREAMS.keeperLegacyCl.stream);
      const first = all.find((r) => String(r.relay_extra_s ?? '').includes(run));
      expect(first).toBeDefined();
      const mine = uniqueBy(all.filter((r) => r.relay_event_id_g === first!.relay_event_id_g), (r) => extraOf(r).relay_part);
      expect(mine.length).toBe(Number(extraOf(mine[0]!).relay_parts));
      return mine;
    }, WAIT_MS);
    expect(legacy.find((r) => extraOf(r).relay_part === 1)).toMatchObject({ audit_event_s: 'role_created', enterprise_id_d: 5_000_000_000 });
    expect(reassemble(byPart(legacy, (r) => extraOf(r).relay_part).map((r) => fragmentOf(extraOf(r))))).toMatchObject({ ...attributes, run });
    expectNoSilentLoss();
  });
});

describe('x-ms-AzureResourceId is kept on every route', () => {
  it('lands in the catch-all ResourceId, in Keeper data and in the legacy tables\' relay_extra_s', SLOW, async () => {
    const run = randomUUID();
    const resourceId = `/subscriptions/${randomUUID()}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1`;
    const headers = { 'x-ms-AzureResourceId': resourceId };
    await post([json({ ...keeperPushEvents[0]!, run })], 'Keeper', headers);
    await post([json({ run, level: 'info' })], 'MyApp', headers);
    await post([json({ run })], 'Generic', headers);
    await eventually(async () => {
      const sentinel = (await ingestion.emulator.rows(STREAMS.keeperSentinel.stream)).find((r) => (r.data as RecordObject).run === run);
      expect((sentinel?.data as RecordObject)?.relay_resource_id).toBe(resourceId);
      const keeperCl = (await ingestion.emulator.rows(STREAMS.keeperLegacyCl.stream)).find((r) => String(r.relay_extra_s ?? '').includes(run));
      expect(extraOf(keeperCl!).relay_resource_id).toBe(resourceId);
      const myApp = (await ingestion.emulator.rows(MYAPP)).find((r) => String(r.relay_extra_s ?? '').includes(run));
      expect(extraOf(myApp!).relay_resource_id).toBe(resourceId);
      const generic = (await ingestion.emulator.rows(STREAMS.relayedLogs.stream)).find((r) => (r.Record as RecordObject).run === run);
      expect(generic?.ResourceId).toBe(resourceId);
    }, WAIT_MS);
  });
});
