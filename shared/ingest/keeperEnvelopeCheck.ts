import type { KeeperShape } from '../mapping/keeperEvent';
import type { RecordObject } from './recordRules';

/**
 * The door's fast path for Keeper envelopes: plain comparisons instead of zod's parse (and a regex per time) for
 * each of the records of a post. It only ever says "valid" for a record the shape's zod schema
 * (KEEPER_ENVELOPE_SCHEMAS in mapping/keeperEvent.ts, the one statement of the rules, shared with delivery's
 * mapping) accepts; for anything else the caller asks zod, which decides and words the error. So the acceptance
 * rules are zod's by construction; test/keeperEnvelopeCheck.test.ts checks the two agree on generated records.
 */

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const digitAt = (s: string, i: number) => s.charCodeAt(i) - 0x30;
const twoDigits = (s: string, i: number) => (isDigit(s.charCodeAt(i)) && isDigit(s.charCodeAt(i + 1)) ? digitAt(s, i) * 10 + digitAt(s, i + 1) : -1);

/** `HH:MM` at i (hour 00-23, minute 00-59), as in an offset. */
function isHourMinute(s: string, i: number, colon: boolean): boolean {
  const h = twoDigits(s, i);
  const m = twoDigits(s, i + (colon ? 3 : 2));
  return h >= 0 && h <= 23 && m >= 0 && m <= 59 && (!colon || s.charCodeAt(i + 2) === 0x3a);
}

/** The zone at i to the end: none, `Z`, or `±HH:MM` / `±HHMM`. */
function isZone(s: string, i: number): boolean {
  const left = s.length - i;
  if (left === 0) return true;
  const c = s.charCodeAt(i);
  if (c === 0x5a) return left === 1;
  if (c !== 0x2b && c !== 0x2d) return false;
  return (left === 6 && isHourMinute(s, i + 1, true)) || (left === 5 && isHourMinute(s, i + 1, false));
}

/**
 * Exactly keeperEvent.ts's ISO_8601 pattern, written out: `YYYY-MM-DD`, `T` or space, `HH:MM`, optional `:SS` (00-60)
 * with an optional fraction of 1-9 digits, optional zone (`Z`, `±HH:MM`, `±HHMM`).
 */
export function isIsoTime(s: string): boolean {
  if (s.length < 16 || twoDigits(s, 0) < 0 || twoDigits(s, 2) < 0) return false;
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  const t = s.charCodeAt(10);
  if (s.charCodeAt(4) !== 0x2d || s.charCodeAt(7) !== 0x2d || month < 1 || month > 12 || day < 1 || day > 31) return false;
  if ((t !== 0x54 && t !== 0x20) || !isHourMinute(s, 11, true)) return false;
  let i = 16;
  if (s.charCodeAt(i) === 0x3a) {
    const second = twoDigits(s, i + 1);
    if (second < 0 || second > 60) return false;
    i += 3;
    if (s.charCodeAt(i) === 0x2e) {
      let digits = 0;
      while (isDigit(s.charCodeAt(i + 1 + digits))) digits++;
      if (digits < 1 || digits > 9) return false;
      i += 1 + digits;
    }
  }
  return isZone(s, i);
}

const absent = (v: unknown) => v === undefined || v === null;
const isText = (v: unknown) => absent(v) || typeof v === 'string';
const isNonNegative = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isEventTime = (v: unknown) => absent(v) || (typeof v === 'string' ? isIsoTime(v) : isNonNegative(v));
const isEventCode = (v: unknown) => typeof v === 'string' && v.length > 0;
/** What zod's z.record accepts for sure: an object straight from JSON.parse (or made with {}). */
const isJsonObject = (v: unknown) => typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

function isPushEnvelope(r: RecordObject): boolean {
  const enterprise = r.enterprise_id;
  return (
    isEventCode(r.audit_event) &&
    isText(r.category) &&
    isText(r.remote_address) &&
    isText(r.client_version) &&
    isText(r.username) &&
    isEventTime(r.timestamp) &&
    (absent(enterprise) || Number.isSafeInteger(enterprise))
  );
}

function isCommanderEnvelope(r: RecordObject): boolean {
  const status = r.status;
  return (
    isEventCode(r.audit_event_type) &&
    isText(r.ip_address) &&
    isText(r.keeper_version) &&
    isText(r.username) &&
    isEventTime(r.timestamp) &&
    (absent(r.created) || isNonNegative(r.created)) &&
    (absent(status) || typeof status === 'string' || (typeof status === 'number' && Number.isFinite(status)))
  );
}

/** True only when the shape's zod envelope schema accepts the record (see above); false means "ask zod". */
export function isValidKeeperEnvelope(shape: KeeperShape, record: RecordObject): boolean {
  switch (shape) {
    case 'keeper-push':
      return isPushEnvelope(record);
    case 'keeper-commander':
      return isCommanderEnvelope(record);
    case 'keeper-azure-monitor': {
      const time = record.TimeGenerated;
      const data = record.data;
      return isPushEnvelope(record) && (absent(time) || (typeof time === 'string' && isIsoTime(time))) && (absent(data) || isJsonObject(data));
    }
  }
}
