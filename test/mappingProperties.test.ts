import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_ROW_BYTES } from '../shared/mapping/fieldLimits';
import { holdable, isJsonNumber, withUnholdableAsText } from '../shared/mapping/jsonNumbers';
import { legacyColumn } from '../shared/mapping/legacyColumnTyping';
import { mapGeneric } from '../shared/mapping/mapGeneric';
import { mapKeeperToLegacyCl } from '../shared/mapping/mapKeeperToLegacyCl';
import { mapKeeperToSentinel } from '../shared/mapping/mapKeeperToSentinel';
import { mapLegacyTable } from '../shared/mapping/mapLegacyTable';
import type { MappedRows } from '../shared/mapping/mappedRows';
import type { Envelope } from '../shared/handoff/queueEnvelope';
import { normalizeKeeperEvent } from '../shared/mapping/keeperNormalize';
import { nameProblem, type RecordObject } from '../shared/ingest/recordRules';
import { parseRecordText } from '../shared/mapping/recordText';
import { validateRecords } from '../shared/ingest/recordValidation';
import { loadStreamSchema, STREAMS, type StreamSchema } from '../shared/mapping/streamSchemas';
import { reassemble, type Fragment } from '../shared/mapping/valueFragments';
import { parseKeepingNumberForms } from '../tools/logsIngestionEmulator/numberForms';
import { validateRows } from '../tools/logsIngestionEmulator/validation';
import { buildDeclaration } from '../tools/table/declaration';
import { importTableSchema } from '../tools/table/importSchema';
import { testEnvelope } from './support/envelopes';

/**
 * Every transformation delivery applies is total: any record the doors accept maps, on every route, to rows the Logs
 * Ingestion API accepts whole (each value within 64 KB, each row within the SDK's 1 MB chunk, every column declared
 * and of its declared type, no number it cannot hold), and the record can be put back together from them.
 */
const WS = '2b6d9f0e-5c1a-4e8b-9d3f-7a1c0e4b6d21';
const imported = importTableSchema(JSON.parse(readFileSync(path.join(__dirname, 'samples', 'myapp-classic-table.json'), 'utf8')));
const MYAPP = loadStreamSchema(buildDeclaration({ logType: 'MyApp', table: imported.table, columns: imported.columns, tableSource: 'classic', description: 'x' }));

const context = (logType: string, resourceId?: string) => {
  const envelope: Envelope = testEnvelope(WS, { logType, ...(resourceId ? { resourceId } : {}) });
  return { envelope, receivedAt: new Date(envelope.receivedAt) };
};

// ---- records of every shape and size the doors accept ----
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const RESERVED = new Set(['tenant', 'timegenerated', 'rawdata']);
const nestedName = fc
  .oneof(
    fc.string({ maxLength: 10 }),
    fc.string({ unit: 'grapheme', maxLength: 8 }),
    fc.constantFrom('', '@timestamp', '9lives', 'a-b', 'ab', 'a\nb', '\u0085x', '\u001b[31m', 'Computer', 'relay_part', 'relay_value', 'x'.repeat(60), 'ü'.repeat(500), '"\\'.repeat(249), 'n'.repeat(998), '\u0001'.repeat(166)),
  )
  // What the door keeps: its own predicate, so the test's domain follows the door.
  .filter((n) => nameProblem(n) === undefined && !FORBIDDEN.has(n));
const topName = nestedName.filter((n) => !RESERVED.has(n.toLowerCase()));

const numberText = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.constantFrom('3.0', '9007199254740993', '1e400', '-1e400', '-0', '2.50', '1E5', '0.0000001', '123456789012345678901234567890'),
);
const bigString = fc
  .tuple(fc.constantFrom('x', 'é', '"', '\\', '\n', '😀', '\u2028', 'ab'), fc.integer({ min: 20_000, max: 100_000 }))
  .map(([c, n]) => c.repeat(Math.ceil(n / c.length)));
const leaf = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: numberText.map((t) => JSON.rawJSON(t) as unknown) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constantFrom('2025-01-14T11:00:00Z', '0F8FAD5BD9CB469FA16570867728950E', '42') },
  { weight: 1, arbitrary: fc.oneof({ weight: 4, arbitrary: fc.string({ maxLength: 300 }) }, { weight: 1, arbitrary: bigString }) },
);
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 6 }),
    fc.dictionary(nestedName, tie('value'), { maxKeys: 6 }),
  ),
}));
const manyFields = fc.integer({ min: 0, max: 120 }).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, `${i}`.padEnd(2000, 'z')])));
const longArray = fc.integer({ min: 0, max: 3000 }).map((n) => ({ items: Array.from({ length: n }, (_, i) => ({ i, v: 'small' })) }));
const deepPath = fc.integer({ min: 1, max: 30 }).map((depth) => {
  let v: unknown = 'q'.repeat(66_000);
  // Names at the door's limit: 998 characters, or control characters that escape to 6 bytes each.
  for (let i = 0; i < depth; i++) v = { [i % 2 ? 'n'.repeat(998) : '\u0001'.repeat(166)]: v };
  return { deep: v };
});
const extras = fc.oneof({ weight: 5, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: manyFields }, { weight: 1, arbitrary: longArray }, { weight: 1, arbitrary: deepPath });
const genericRecord = fc.tuple(fc.dictionary(topName, value, { maxKeys: 12 }), extras).map(([a, b]) => ({ ...a, ...b }));

const text = fc.string({ maxLength: 20 });
const keeperEnvelope = fc.record(
  {
    audit_event: fc.string({ minLength: 1, maxLength: 20 }),
    category: text,
    remote_address: text,
    client_version: text,
    username: fc.oneof(text, bigString),
    timestamp: fc.oneof(fc.constant('2025-01-12T00:03:44.743Z'), fc.integer({ min: 0, max: 2_000_000_000 })),
    enterprise_id: fc.oneof(fc.integer({ min: 0, max: 6557 }), fc.constantFrom(5_000_000_000, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER)),
  },
  { requiredKeys: ['audit_event'] },
);
const commanderEnvelope = fc.record(
  { audit_event_type: fc.string({ minLength: 1, maxLength: 20 }), ip_address: text, keeper_version: text, username: text, created: fc.integer({ min: 0, max: 2_000_000_000 }) },
  { requiredKeys: ['audit_event_type'] },
);
const keeperRecord = fc.oneof(
  fc.tuple(keeperEnvelope, genericRecord).map(([e, a]) => ({ ...a, ...e })),
  fc.tuple(keeperEnvelope, genericRecord, fc.dictionary(nestedName, value, { maxKeys: 8 })).map(([e, a, data]) => ({ ...a, ...e, TimeGenerated: '2025-01-12T00:03:44.743Z', data })),
  fc.tuple(commanderEnvelope, genericRecord).map(([e, a]) => {
    const { audit_event: _drop, ...rest } = a as RecordObject;
    return { ...rest, ...e };
  }),
);

/** The record's text as a sender posts it, when the door accepts it; otherwise the property skips the case (fc.pre). */
function acceptedText(logType: string, record: unknown): string {
  const recordText = JSON.stringify(record);
  let ok = true;
  try {
    validateRecords(logType, [JSON.parse(recordText)]);
  } catch {
    ok = false;
  }
  fc.pre(ok);
  return recordText;
}

// ---- what the Logs Ingestion API accepts ----
function expectUnholdableNone(v: unknown, where: string): void {
  if (isJsonNumber(v)) expect(holdable(v.rawJSON), `${where}: ${v.rawJSON}`).toBe(true);
  else if (v !== null && typeof v === 'object') for (const child of Object.values(v)) expectUnholdableNone(child, where);
}

function expectAccepted(stream: StreamSchema, mapped: MappedRows): void {
  mapped.rows.forEach((row, i) => {
    const rowText = JSON.stringify(row);
    const bytes = Buffer.byteLength(rowText);
    expect(bytes, 'row within the SDK chunk').toBeLessThanOrEqual(MAX_ROW_BYTES);
    expect(mapped.sizes[i]).toBe(bytes);
    const asReceived = parseKeepingNumberForms(rowText) as RecordObject;
    const { losses } = validateRows(stream, [asReceived], { now: Date.now(), replaceStaleTimeGenerated: false });
    expect(losses).toMatchObject({ undeclaredProperties: {}, typeMismatches: {}, truncatedValues: {} });
    for (const [column, v] of Object.entries(asReceived)) expectUnholdableNone(v, `${stream.stream}.${column}`);
  });
}

/** The overflow object of one record's rows, put back together (one row: the object itself). */
const overflowOf = (values: RecordObject[]): RecordObject =>
  values.length === 1
    ? values[0]!
    : (reassemble(values.map((v) => ({ path: v.relay_path as Fragment['path'], offset: v.relay_offset as number | undefined, value: v.relay_value }))) as RecordObject);
const byJson = (v: unknown) => JSON.stringify(v);

// Enough runs to meet every generator branch; big values are rare so the suite stays quick on a loaded machine.
const RUNS = { numRuns: 60 };

describe('mapping is total: every record the doors accept becomes rows the Logs Ingestion API accepts, on every route', () => {
  it('catch-all: rows within every limit, and the record reassembles exactly (numbers as sent; unholdable ones as flagged text)', () => {
    fc.assert(
      fc.property(genericRecord, (record) => {
        const recordText = acceptedText('Other', record);
        const mapped = mapGeneric([recordText], context('Other', '/subscriptions/x'));
        expectAccepted(STREAMS.relayedLogs, mapped);
        const rows = mapped.rows;
        const whole = rows.length === 1 ? rows[0]!.Record : reassemble(rows.map((r) => ({ path: r.PartPath as Fragment['path'], offset: r.PartOffset as number | undefined, value: r.Record })));
        const flagged: string[] = [];
        const expected = withUnholdableAsText(parseRecordText(recordText).record, '', flagged);
        expect(byJson(whole)).toBe(byJson(expected));
        expect(rows[0]!.ValuesAsText ?? []).toEqual(flagged);
        expect(new Set(rows.map((r) => r.EventId)).size).toBe(1);
      }),
      RUNS,
    );
  });

  it('declared legacy table: rows within every limit; every property in its typed column or kept in relay_extra_s', () => {
    fc.assert(
      fc.property(genericRecord, (record) => {
        const recordText = acceptedText('MyApp', record);
        const mapped = mapLegacyTable(MYAPP, [recordText], context('MyApp', '/subscriptions/x'));
        expectAccepted(MYAPP, mapped);
        const extra = overflowOf(mapped.rows.map((r) => (r.relay_extra_s === undefined ? {} : parseRecordText(String(r.relay_extra_s)).record)));
        const first = mapped.rows[0]!;
        for (const [name, v] of Object.entries(parseRecordText(recordText).record)) {
          if (v === null) continue;
          const column = legacyColumn(name, v);
          const inColumn = column !== undefined && column.value !== undefined && first[column.column] !== undefined && (first[column.column] === column.value || String(first[column.column]).endsWith('…[truncated by relay]'));
          const inExtra = Object.hasOwn(extra, name) || (name.startsWith('relay_') && Object.hasOwn(extra, `${name}_sent`));
          expect(inColumn || inExtra, `property ${JSON.stringify(name).slice(0, 60)}`).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('Keeper → Sentinel stream and Keeper_CL: rows within every limit; data reassembles to every attribute', () => {
    fc.assert(
      fc.property(keeperRecord, (record) => {
        const recordText = acceptedText('Keeper', record);
        const sentinel = mapKeeperToSentinel([recordText], context('Keeper', '/subscriptions/x'));
        expectAccepted(STREAMS.keeperSentinel, sentinel);
        const data = overflowOf(sentinel.rows.map((r) => r.data as RecordObject));
        const parsed = parseRecordText(recordText);
        const attributes = withUnholdableAsText(normalizeKeeperEvent(parsed.record).attributes, '', []) as RecordObject;
        // A sender property named like one of the relay's keys is kept under <name>_sent.
        for (const [name, v] of Object.entries(attributes)) expect(byJson(Object.hasOwn(data, `${name}_sent`) ? data[`${name}_sent`] : data[name]), name).toBe(byJson(v));
        expect(data.relay_resource_id).toBe('/subscriptions/x');
        expectAccepted(STREAMS.keeperLegacyCl, mapKeeperToLegacyCl([recordText], context('Keeper')));
      }),
      RUNS,
    );
  });
});
