import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eventId } from '../shared/mapping/eventId';
import { legacyColumn } from '../shared/mapping/legacyColumnTyping';
import { mapGeneric as mapGenericTexts } from '../shared/mapping/mapGeneric';
import { mapKeeperToLegacyCl as mapKeeperToLegacyClTexts } from '../shared/mapping/mapKeeperToLegacyCl';
import { mapKeeperToSentinel as mapKeeperToSentinelTexts } from '../shared/mapping/mapKeeperToSentinel';
import type { RecordContext } from '../shared/mapping/recordContext';
import { reassemble } from '../shared/mapping/valueFragments';
import type { Envelope } from '../shared/handoff/queueEnvelope';
import type { RecordObject } from '../shared/ingest/recordRules';
import { STREAMS, type ColumnType, type StreamSchema } from '../shared/mapping/streamSchemas';
import { chooseTimeGenerated } from '../shared/mapping/timeGenerated';
import { testEnvelope } from './support/envelopes';
import { commanderBatch, keeperAzureMonitorEvent, keeperPushEvents } from './support/keeperSamples';

const WS = '2b6d9f0e-5c1a-4e8b-9d3f-7a1c0e4b6d21';
const RECEIVED = new Date('2025-01-14T12:00:00.000Z');

const envelope = (overrides: Partial<Envelope> = {}): Envelope => testEnvelope(WS, { receivedAt: RECEIVED.toISOString(), ...overrides });
const context = (overrides: Partial<Envelope> = {}) => ({ envelope: envelope(overrides), receivedAt: RECEIVED });

// The mappers take each record's JSON text as received; these tests start from objects.
const asTexts = (map: (texts: readonly string[], c: RecordContext) => ReturnType<typeof mapGenericTexts>) => (records: readonly unknown[], c: RecordContext) =>
  map(records.map((r) => JSON.stringify(r)), c);
const mapGeneric = asTexts(mapGenericTexts);
const mapKeeperToLegacyCl = asTexts(mapKeeperToLegacyClTexts);
const mapKeeperToSentinel = asTexts(mapKeeperToSentinelTexts);

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
function fits(type: ColumnType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'int':
    case 'long':
      return Number.isInteger(value);
    case 'real':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'datetime':
      return typeof value === 'string' && ISO.test(value);
    case 'dynamic':
      return true;
  }
}

/** The contract with the DCR: only declared columns, each with a value of its declared type. */
function expectConforms(stream: StreamSchema, rows: RecordObject[]): void {
  for (const row of rows) {
    for (const [column, value] of Object.entries(row)) {
      if (value === undefined) continue;
      const type = stream.columnTypes.get(column);
      expect(type, `${stream.stream} does not declare column ${column}`).toBeDefined();
      expect(fits(type!, value), `${stream.stream}.${column} (${type}) got ${JSON.stringify(value)}`).toBe(true);
    }
  }
}

const generic = [
  { '@timestamp': '2025-01-14T11:00:00Z', message: 'hello', kubernetes: { pod: 'web-1', labels: { app: 'web' } }, tags: ['a', 'b'], n: 3 },
  { Computer: 'host1', level: 'warn', nested: [{ deep: { deeper: true } }] },
];

describe('stream conformance: every mapper emits only declared columns with declared types', () => {
  it('Keeper → Sentinel stream, for every Keeper shape', () => {
    const records = [...keeperPushEvents, keeperAzureMonitorEvent, ...commanderBatch(12), { audit_event_type: 'login', created: 1736899200 }];
    expectConforms(STREAMS.keeperSentinel, mapKeeperToSentinel(records, context()).rows);
  });
  it('Keeper → legacy Keeper_CL stream', () => {
    const records = [...keeperPushEvents, keeperAzureMonitorEvent, ...commanderBatch(12), { audit_event: 'x', node_id: 12, folder_uid: '0f8fad5b-d9cb-469f-a165-70867728950e' }];
    expectConforms(STREAMS.keeperLegacyCl, mapKeeperToLegacyCl(records, context()).rows);
  });
  it('any other Log-Type → catch-all stream', () => {
    expectConforms(STREAMS.relayedLogs, mapGeneric(generic, context({ logType: 'FluentBit', resourceId: '/subscriptions/x' })).rows);
  });
  it('catches a mapper that emits an undeclared column or a wrong type (the check itself can fail)', () => {
    expect(() => expectConforms(STREAMS.keeperSentinel, [{ AuditEvent: 'x' }])).toThrow(/does not declare column AuditEvent/);
    expect(() => expectConforms(STREAMS.keeperSentinel, [{ enterprise_id: '6557' }])).toThrow(/enterprise_id \(int\)/);
  });
});

describe('Keeper → Custom-KeeperSecurityEventNewLogs', () => {
  it('maps the troubleshooting-script events (shape A): envelope columns, the rest in data', () => {
    const [row] = mapKeeperToSentinel([keeperPushEvents[1]!], context()).rows;
    expect(row).toEqual({
      TimeGenerated: '2025-01-13T00:03:44.743Z',
      audit_event: 'role_enforcement_changed',
      remote_address: '11.22.33.55',
      category: 'policy',
      client_version: 'EMConsole.17.0.0',
      enterprise_id: 6557,
      username: 'user@company.com',
      timestamp: '2025-01-13T00:03:44.743Z',
      data: { role_id: '28162100560074', enforcement: 'RESEND_ENTERPRISE_INVITE_IN_X_DAYS', value: '7', relay_event_id: eventId(WS, 'Keeper', JSON.stringify(keeperPushEvents[1])) },
    });
  });

  it('keeps alert attributes (booleans, recipients) in data', () => {
    const [row] = mapKeeperToSentinel([keeperPushEvents[4]!], context()).rows;
    expect(row!.data).toMatchObject({ origin: 'admin_permission_added', name: 'XXX123', recipient: 'user@company.com,+19165551212', username_new: true, client_version_new: true });
    expect(row!.remote_address).toBeUndefined();
  });

  it('merges shape B data and keeps its TimeGenerated', () => {
    const [row] = mapKeeperToSentinel([keeperAzureMonitorEvent], context()).rows;
    expect(row).toMatchObject({ audit_event: 'record_update', enterprise_id: 6557, timestamp: '2025-01-12T00:03:44.743Z' });
    expect(row!.data).toMatchObject({ record_uid: 'AbCdEfGhIjKlMnOpQrStUv', folder_uid: 'Zyxwvutsrqponmlkjihgfe', some_flag: true, TimeGenerated: '2025-01-12T00:03:44.743Z' });
  });

  it("maps Commander's names (shape C) and created epoch seconds", () => {
    const rows = mapKeeperToSentinel(
      [
        { audit_event_type: 'login', ip_address: '10.0.0.1', keeper_version: 'Commander.16.11.0', username: 'a@b.c', timestamp: '2025-01-14T10:00:00Z', status: 'success', record_uid: 'r1' },
        { audit_event_type: 'record_add', created: 1736848800, username: 'a@b.c' },
      ],
      context(),
    ).rows;
    expect(rows[0]).toMatchObject({ audit_event: 'login', remote_address: '10.0.0.1', client_version: 'Commander.16.11.0', timestamp: '2025-01-14T10:00:00.000Z', TimeGenerated: '2025-01-14T10:00:00.000Z' });
    expect(rows[0]!.data).toMatchObject({ result_code: 'success', record_uid: 'r1' });
    expect(rows[1]).toMatchObject({ audit_event: 'record_add', timestamp: '2025-01-14T10:00:00.000Z' });
  });

  it('loses no attribute: every input value is in a column or in data', () => {
    const record = { ...keeperPushEvents[3]!, unknown_attr: { x: [1, 2] }, null_attr: null };
    const [row] = mapKeeperToSentinel([record], context()).rows;
    const data = row!.data as RecordObject;
    for (const [key, value] of Object.entries(record)) {
      const inColumn = (row as RecordObject)[key] === value || (key === 'timestamp' && row!.timestamp === value);
      expect(inColumn || data[key] === value || JSON.stringify(data[key]) === JSON.stringify(value), key).toBe(true);
    }
  });

  it("counts no schema drift: every attribute belongs in data by the Sentinel solution's design", () => {
    const { undeclared, rows } = mapKeeperToSentinel(keeperPushEvents, context());
    expect(undeclared.size).toBe(0);
    expect((rows[1]!.data as RecordObject).role_id).toBe('28162100560074');
  });

  it('keeps an event time past the last representable date as sent, instead of failing the whole message', () => {
    for (const time of [9_000_000_000_000_000, 1e20, Number.MAX_VALUE]) {
      const [push] = mapKeeperToSentinel([{ ...keeperPushEvents[0]!, timestamp: time }], context()).rows;
      expect(push!.TimeGenerated).toBe(RECEIVED.toISOString());
      expect(push!.timestamp).toBeUndefined();
      expect((push!.data as RecordObject).timestamp_raw).toBe(time);
      const [commander] = mapKeeperToSentinel([{ audit_event_type: 'login', username: 'u', created: time }], context()).rows;
      expect(commander!.TimeGenerated).toBe(RECEIVED.toISOString());
      expect(mapKeeperToLegacyCl([{ ...keeperPushEvents[0]!, timestamp: time }], context()).rows).toHaveLength(1);
    }
  });

  it('uses the time-generated-field when the header named one', () => {
    const [row] = mapKeeperToSentinel([{ ...keeperPushEvents[0]!, seen: '2025-01-14T11:59:00Z' }], context({ timeGeneratedField: 'seen' })).rows;
    expect(row!.TimeGenerated).toBe('2025-01-14T11:59:00.000Z');
  });

  it('keeps a value over 64 KB whole, in continuation rows sharing the event id, so the row never fails with 413', () => {
    const huge = 'x'.repeat(200_000);
    const rows = mapKeeperToSentinel([{ ...keeperPushEvents[0]!, blob: huge }], context()).rows;
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) expect(Buffer.byteLength(JSON.stringify(row.data))).toBeLessThanOrEqual(64 * 1024);
    const datas = rows.map((r) => r.data as RecordObject);
    expect(new Set(datas.map((d) => d.relay_event_id)).size).toBe(1);
    expect(datas.map((d) => d.relay_part)).toEqual(rows.map((_, i) => i + 1));
    expect(rows[0]!.audit_event).toBe('role_created');
    expect(rows[1]!.audit_event).toBeUndefined();
    const fragments = datas.map((d) => ({ path: d.relay_path as string[], offset: d.relay_offset as number | undefined, value: d.relay_value }));
    expect((reassemble(fragments) as RecordObject).blob).toBe(huge);
  });
});

describe('Keeper → legacy Keeper_CL (the retired API typing rules)', () => {
  it('types values as the retired API did', () => {
    expect(legacyColumn('audit_event', 'login')).toEqual({ column: 'audit_event_s', value: 'login' });
    expect(legacyColumn('enterprise_id', 6557)).toEqual({ column: 'enterprise_id_d', value: 6557 });
    expect(legacyColumn('timestamp', '2025-01-12T00:03:44.743Z')).toEqual({ column: 'timestamp_t', value: '2025-01-12T00:03:44.743Z' });
    expect(legacyColumn('username_new', true)).toEqual({ column: 'username_new_b', value: true });
    expect(legacyColumn('folder_uid', '0F8FAD5BD9CB469FA16570867728950E')).toEqual({ column: 'folder_uid_g', value: '0f8fad5b-d9cb-469f-a165-70867728950e' });
    expect(legacyColumn('value', '42')).toEqual({ column: 'value_s', value: '42' });
    expect(legacyColumn('nested', { a: 1 })).toEqual({ column: 'nested_s', value: '{"a":1}' });
    expect(legacyColumn('gone', null)).toBeUndefined();
    expect(legacyColumn('Computer', 'host1')).toEqual({ column: 'Computer', value: 'host1' });
  });

  it('writes the push sample with the legacy column names', () => {
    const [row] = mapKeeperToLegacyCl([keeperPushEvents[0]!], context()).rows;
    expect(row).toEqual({
      // 2.5 days before receipt: outside the window, so the receive time.
      TimeGenerated: RECEIVED.toISOString(),
      audit_event_s: 'role_created',
      remote_address_s: '11.22.33.44',
      category_s: 'policy',
      client_version_s: 'EMConsole.17.0.0',
      username_s: 'user@company.com',
      enterprise_id_d: 6557,
      timestamp_t: '2025-01-12T00:03:44.743Z',
      role_id_s: '28162100560074',
      relay_event_id_g: eventId(WS, 'Keeper', JSON.stringify(keeperPushEvents[0])),
    });
  });

  it("keeps Commander's own names, as the retired API stored them", () => {
    const [row] = mapKeeperToLegacyCl([{ audit_event_type: 'login', ip_address: '10.0.0.1', keeper_version: 'C.1', status: 'ok', timestamp: '2025-01-14T10:00:00Z' }], context()).rows;
    expect(row).toMatchObject({ audit_event_type_s: 'login', ip_address_s: '10.0.0.1', keeper_version_s: 'C.1', status_s: 'ok', timestamp_t: '2025-01-14T10:00:00.000Z' });
  });

  it('cuts an over-long value to the field limit, flags it in relay_extra_s and keeps the original there', () => {
    const rows = mapKeeperToLegacyCl([{ audit_event: 'x', value: 'v'.repeat(100_000) }], context()).rows;
    expect(Buffer.byteLength(String(rows[0]!.value_s))).toBeLessThanOrEqual(64 * 1024);
    const extras = rows.map((r) => JSON.parse(String(r.relay_extra_s)) as RecordObject);
    const extra = reassemble(extras.map((e) => ({ path: e.relay_path as string[], offset: e.relay_offset as number | undefined, value: e.relay_value }))) as RecordObject;
    expect(extra).toEqual({ value: 'v'.repeat(100_000), relay_truncated: ['value_s'] });
    expect(new Set(rows.map((r) => r.relay_event_id_g)).size).toBe(1);
  });

  it('puts properties whose legacy column is not declared into relay_extra_s, never dropping them', () => {
    const { rows, undeclared } = mapKeeperToLegacyCl([{ audit_event: 'x', brand_new: 'v', node_id: 5 }], context());
    expect(JSON.parse(String(rows[0]!.relay_extra_s))).toEqual({ brand_new: 'v', node_id: 5 });
    expect([...undeclared.keys()].sort()).toEqual(['brand_new', 'node_id']);
  });
});

describe('any other Log-Type → Custom-RelayedLogs', () => {
  it('keeps the whole record in Record, with @timestamp names, nesting and arrays', () => {
    const env = envelope({ logType: 'FluentBit', resourceId: '/subscriptions/x', timeGeneratedField: '@timestamp' });
    const rows = mapGeneric(generic, { envelope: env, receivedAt: RECEIVED }).rows;
    expect(rows[0]).toEqual({
      TimeGenerated: '2025-01-14T11:00:00.000Z',
      LogType: 'FluentBit',
      ResourceId: '/subscriptions/x',
      EventId: eventId(WS, 'FluentBit', JSON.stringify(generic[0])),
      RequestId: env.requestId,
      SourceWorkspaceId: WS,
      Truncated: false,
      Record: generic[0],
    });
    expect(rows[1]!.TimeGenerated).toBe(RECEIVED.toISOString());
  });

  it('splits a record over the value limit over rows sharing its EventId, never cutting it', () => {
    const record = { big: 'y'.repeat(100_000), small: 1 };
    const rows = mapGeneric([record], context({ logType: 'Other' })).rows;
    expect(rows.length).toBeGreaterThan(1);
    for (const row of rows) expect(Buffer.byteLength(JSON.stringify(row.Record))).toBeLessThanOrEqual(64 * 1024);
    expect(rows.every((r) => r.Truncated === false && r.EventId === rows[0]!.EventId && r.PartCount === rows.length)).toBe(true);
    expect(reassemble(rows.map((r) => ({ path: r.PartPath as string[], offset: r.PartOffset as number | undefined, value: r.Record })))).toEqual(record);
  });
});

describe('TimeGenerated window and event ids', () => {
  it('keeps an event time from 2 days before to 1 day after receipt, else uses the receive time', () => {
    const at = (ms: number) => new Date(RECEIVED.getTime() + ms).toISOString();
    const day = 24 * 3600 * 1000;
    expect(chooseTimeGenerated(at(-2 * day), RECEIVED)).toBe(at(-2 * day));
    expect(chooseTimeGenerated(at(-2 * day - 1000), RECEIVED)).toBe(RECEIVED.toISOString());
    expect(chooseTimeGenerated(at(day), RECEIVED)).toBe(at(day));
    expect(chooseTimeGenerated(at(day + 1000), RECEIVED)).toBe(RECEIVED.toISOString());
    expect(chooseTimeGenerated('not a time', RECEIVED)).toBe(RECEIVED.toISOString());
    expect(chooseTimeGenerated(undefined, RECEIVED)).toBe(RECEIVED.toISOString());
    expect(chooseTimeGenerated(RECEIVED.getTime() / 1000 - 60, RECEIVED)).toBe(at(-60_000));
  });

  it('derives a GUID-shaped id from the exact record text, the workspace and the Log-Type', () => {
    const text = '{"x":1,"y":{"b":2,"a":[1,{"d":4,"c":3}]}}';
    expect(eventId(WS, 'Keeper', text)).toBe(eventId(WS, 'Keeper', text));
    expect(eventId(WS, 'Keeper', text)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(eventId(WS, 'Other', text)).not.toBe(eventId(WS, 'Keeper', text));
    expect(eventId(randomUUID(), 'Keeper', text)).not.toBe(eventId(WS, 'Keeper', text));
    // Another serialisation is another record, byte for byte (docs/deduplication.md).
    expect(eventId(WS, 'Keeper', '{"y":{"a":[1,{"c":3,"d":4}],"b":2},"x":1}')).not.toBe(eventId(WS, 'Keeper', text));
    // A Log-Type holds letters, digits and underscores only, so the NUL framing keeps Log-Type and text apart.
    expect(eventId(WS, 'Kee', 'per\0{}')).not.toBe(eventId(WS, 'Keeper', '{}'));
  });
});

describe('a declared legacy table whose columns add up past the 1 MB call', () => {
  it('moves the largest columns into relay_extra_s (flagged relay_moved) so every row fits, losing nothing', async () => {
    const { readFileSync } = await import('node:fs');
    const path = await import('node:path');
    const { importTableSchema } = await import('../tools/table/importSchema');
    const { buildDeclaration } = await import('../tools/table/declaration');
    const { loadStreamSchema } = await import('../shared/mapping/streamSchemas');
    const { mapLegacyTable } = await import('../shared/mapping/mapLegacyTable');
    const { MAX_ROW_BYTES } = await import('../shared/mapping/fieldLimits');
    const imported = importTableSchema(JSON.parse(readFileSync(path.join(__dirname, 'samples', 'myapp-classic-table.json'), 'utf8')));
    const table = loadStreamSchema(buildDeclaration({ logType: 'MyApp', table: imported.table, columns: imported.columns, tableSource: 'classic', description: 'x' }));
    // Quotes take two bytes each in the row's JSON: 8 columns of 60,000 quotes are ~960 KB.
    const names = ['level', 'message', 'user', 'tags', 'host', 'Computer', 'count', 'request'];
    const record = Object.fromEntries(names.map((n) => [n, '"'.repeat(60_000)]));
    const { rows } = mapLegacyTable(table, [JSON.stringify(record)], context({ logType: 'MyApp' }));
    for (const row of rows) expect(Buffer.byteLength(JSON.stringify(row))).toBeLessThanOrEqual(MAX_ROW_BYTES);
    const extras = rows.map((r) => JSON.parse(String(r.relay_extra_s)) as RecordObject);
    const extra = (rows.length === 1 ? extras[0] : reassemble(extras.map((e) => ({ path: e.relay_path as string[], offset: e.relay_offset as number | undefined, value: e.relay_value })))) as RecordObject;
    const moved = extra.relay_moved as string[];
    expect(moved.length).toBeGreaterThan(0);
    for (const column of moved) expect(rows[0]![column]).toBeUndefined();
    // Every property is in its column or, whole, in relay_extra_s.
    for (const name of names) expect(rows[0]![name === 'Computer' ? 'Computer' : `${name}_s`] === record[name] || extra[name] === record[name], name).toBe(true);
  });
});
