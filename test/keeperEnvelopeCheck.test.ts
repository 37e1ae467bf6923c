import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isIsoTime, isValidKeeperEnvelope } from '../shared/ingest/keeperEnvelopeCheck';
import { KEEPER_ENVELOPE_SCHEMAS, isoTimeSchema, keeperShapeOf } from '../shared/mapping/keeperEvent';

/**
 * The door's fast Keeper check (keeperEnvelopeCheck.ts) against the zod schemas it stands in for: it may say
 * "valid" only where zod does (the door asks zod otherwise, so acceptance stays zod's), and it should agree on the
 * values senders really send, or the fast path would be no faster.
 */

const digits = (n: number) => fc.array(fc.constantFrom(...'0123456789'), { minLength: n, maxLength: n }).map((d) => d.join(''));
/** Strings shaped like ISO times, with every part sometimes out of range or malformed. */
const isoLike = fc
  .tuple(
    digits(4),
    fc.constantFrom('-', '/', ''),
    digits(2),
    fc.constantFrom('-', ''),
    digits(2),
    fc.constantFrom('T', ' ', 't', ''),
    digits(2),
    fc.constantFrom(':', ''),
    digits(2),
    fc.option(fc.tuple(fc.constantFrom(':', ''), digits(2), fc.option(fc.tuple(fc.constantFrom('.', ','), fc.integer({ min: 0, max: 11 }).chain(digits))))),
    fc.constantFrom('', 'Z', 'z', '+01:00', '-0530', '+24:00', '+1', '+01:60', 'ZZ', '+01:0'),
    fc.constantFrom('', '', '', ' ', 'x'),
  )
  .map(([y, s1, mo, s2, d, t, h, c, mi, sec, zone, tail]) => {
    const seconds = sec ? `${sec[0]}${sec[1]}${sec[2] ? `${sec[2][0]}${sec[2][1]}` : ''}` : '';
    return `${y}${s1}${mo}${s2}${d}${t}${h}${c}${mi}${seconds}${zone}${tail}`;
  });
const times = fc.oneof(isoLike, fc.string(), fc.constant('2025-01-12T00:03:44.743Z'), fc.constant('2025-01-12T00:03:44Z'));

const fieldValue = fc.oneof(
  { weight: 4, arbitrary: fc.string() },
  { weight: 4, arbitrary: times },
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, -1, 6557, 2 ** 53, 2 ** 53 - 1, 1e300, 1.5)) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false) },
  { weight: 1, arbitrary: fc.constantFrom({}, { a: 1 }, [], [1], Object.create(null) as object) },
);
const FIELDS = ['audit_event', 'audit_event_type', 'category', 'remote_address', 'client_version', 'username', 'timestamp', 'enterprise_id', 'TimeGenerated', 'data', 'ip_address', 'keeper_version', 'created', 'status', 'other'];
const records = fc.dictionary(fc.constantFrom(...FIELDS), fieldValue, { maxKeys: 10 });

const zodAccepts = (record: Record<string, unknown>) => KEEPER_ENVELOPE_SCHEMAS[keeperShapeOf(record)].safeParse(record).success;

describe('the fast Keeper envelope check', () => {
  it('says an ISO time is valid exactly when the zod schema does', () => {
    fc.assert(
      fc.property(times, (s) => {
        expect(isIsoTime(s)).toBe(isoTimeSchema.safeParse(s).success);
      }),
      { numRuns: 5_000 },
    );
  });

  it('says a record is valid only when zod does, whatever its shape', () => {
    fc.assert(
      fc.property(records, (record) => {
        if (isValidKeeperEnvelope(keeperShapeOf(record), record)) expect(zodAccepts(record)).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });

  it('agrees with zod on every record of plain JSON values', () => {
    const jsonRecords = records.map((r) => JSON.parse(JSON.stringify(r)) as Record<string, unknown>);
    fc.assert(
      fc.property(jsonRecords, (record) => {
        expect(isValidKeeperEnvelope(keeperShapeOf(record), record)).toBe(zodAccepts(record));
      }),
      { numRuns: 5_000 },
    );
  });
});
