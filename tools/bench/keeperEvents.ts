/**
 * Realistic shape-A Keeper push events (keeper-events.md §1.A), generated from a fixed seed so every bench run
 * measures the same bytes. Values vary per event (codes, users, IPs, timestamps, uids) so neither JSON.parse
 * nor the compressor sees an unrealistically repetitive body.
 */

import { seededRandom } from '../seededRandom';

export const EVENTS_PER_POST = 250;


type Rand = () => number;
type Extra = (r: Rand) => Record<string, unknown>;

const pick = <T>(r: Rand, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
const UID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Keeper uids are 22 characters of URL-safe base64. */
const uid = (r: Rand): string => Array.from({ length: 22 }, () => UID_CHARS[Math.floor(r() * UID_CHARS.length)]).join('');
const digits = (r: Rand, n: number): string => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');

const FIRST = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'oscar'];
const LAST = ['smith', 'jones', 'garcia', 'miller', 'davis', 'lopez', 'wilson', 'moore', 'taylor', 'clark'];
const DOMAINS = ['company.com', 'corp.example.org', 'contoso.net'];
const CLIENTS = ['EMConsole.17.0.0', 'Web App.16.11.2', 'Desktop.16.10.5', 'iPhone.16.9.1', 'Android.16.8.0', 'Commander.16.11.0'];
const user = (r: Rand): string => `${pick(r, FIRST)}.${pick(r, LAST)}${Math.floor(r() * 90)}@${pick(r, DOMAINS)}`;
const GEO = ['Sacramento, CA, US', 'Amsterdam, NH, NL', 'Chicago, IL, US', 'Singapore, SG'];
const ip = (r: Rand): string => `${1 + Math.floor(r() * 222)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`;

/** Event codes with their category and the attributes Keeper adds to them (weighted by how often they occur). */
const KINDS: ReadonlyArray<{ code: string; category: string; weight: number; extra: Extra }> = [
  {
    code: 'login', category: 'login', weight: 20,
    extra: (r) => ({ device_name: pick(r, ['MacBook Pro', `DESKTOP-${digits(r, 5)}`, 'iPhone 15']), geo_location: pick(r, GEO) }),
  },
  {
    code: 'login_failure', category: 'login', weight: 5,
    extra: (r) => ({ result_code: pick(r, ['auth_failed', 'throttled', 'two_factor_code_invalid']), geo_location: pick(r, GEO) }),
  },
  { code: 'open_record', category: 'usage', weight: 25, extra: (r) => ({ record_uid: uid(r) }) },
  { code: 'record_update', category: 'usage', weight: 10, extra: (r) => ({ record_uid: uid(r), folder_uid: uid(r) }) },
  { code: 'copy_password', category: 'usage', weight: 10, extra: (r) => ({ record_uid: uid(r) }) },
  {
    code: 'folder_add_record', category: 'share', weight: 5,
    extra: (r) => ({ record_uid: uid(r), shared_folder_uid: uid(r), folder_type: 'shared_folder' }),
  },
  { code: 'share', category: 'share', weight: 5, extra: (r) => ({ record_uid: uid(r), to_username: user(r) }) },
  {
    code: 'role_enforcement_changed', category: 'policy', weight: 3,
    extra: (r) => ({
      role_id: digits(r, 14),
      node_id: digits(r, 14),
      enforcement: pick(r, ['SEND_BREACH_WATCH_EVENTS', 'RESTRICT_EXPORT']),
      value: pick(r, ['ON', 'OFF', '7']),
    }),
  },
  { code: 'change_master_password', category: 'security', weight: 2, extra: () => ({}) },
  { code: 'set_two_factor_on', category: 'security', weight: 2, extra: (r) => ({ channel: pick(r, ['totp', 'sms', 'duo', 'webauthn']) }) },
  { code: 'ksm_secret_accessed', category: 'ksm', weight: 8, extra: (r) => ({ app_uid: uid(r), secret_uid: uid(r) }) },
  {
    code: 'audit_alert_sent', category: 'usage', weight: 1,
    extra: (r) => ({ origin: 'admin_permission_added', name: `ALERT${digits(r, 3)}`, recipient: user(r), username_new: true }),
  },
];
const TOTAL_WEIGHT = KINDS.reduce((sum, k) => sum + k.weight, 0);

function kind(r: Rand): (typeof KINDS)[number] {
  let x = r() * TOTAL_WEIGHT;
  for (const k of KINDS) if ((x -= k.weight) < 0) return k;
  return KINDS[0]!;
}

function keeperEvent(r: Rand, time: number): Record<string, unknown> {
  const k = kind(r);
  const alert = k.code === 'audit_alert_sent';
  return {
    audit_event: k.code,
    remote_address: ip(r),
    category: k.category,
    client_version: alert ? 'Keeper Service.1.2.0' : pick(r, CLIENTS),
    username: alert ? 'ALERT' : user(r),
    enterprise_id: 6557,
    timestamp: new Date(time).toISOString(),
    ...k.extra(r),
  };
}

/** `count` distinct JSON bodies of EVENTS_PER_POST events each, as Keeper posts them (compact JSON array). */
export function keeperBodies(count: number, seed = 42): Buffer[] {
  const r = seededRandom(seed);
  let time = Date.parse('2025-01-12T00:00:00.000Z');
  const bodies: Buffer[] = [];
  for (let b = 0; b < count; b++) {
    const events: unknown[] = [];
    for (let e = 0; e < EVENTS_PER_POST; e++) events.push(keeperEvent(r, (time += Math.floor(r() * 4000))));
    bodies.push(Buffer.from(JSON.stringify(events)));
  }
  return bodies;
}

/** Shape C names for the push attributes Commander renames (keeper-events.md §1.C). */
const COMMANDER_RENAMES: Readonly<Record<string, string>> = {
  audit_event: 'audit_event_type',
  remote_address: 'ip_address',
  client_version: 'keeper_version',
  result_code: 'status',
};
/** Attributes Commander's rows carry (keeper-events.md §1.C); the others of shape A are not in its rows. */
const COMMANDER_KEEPS = new Set([
  'audit_event_type', 'ip_address', 'keeper_version', 'username', 'timestamp', 'to_username', 'from_username', 'record_uid',
  'shared_folder_uid', 'team_uid', 'role_id', 'node', 'channel', 'status', 'recipient', 'value', 'email', 'geo_location',
]);

function commanderEvent(r: Rand, time: number): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(keeperEvent(r, time))) {
    const renamed = COMMANDER_RENAMES[name] ?? name;
    // Second precision, as Commander writes it.
    if (COMMANDER_KEEPS.has(renamed)) row[renamed] = renamed === 'timestamp' ? `${(value as string).slice(0, 19)}Z` : value;
  }
  return row;
}

/** Python's json.dumps defaults, as Commander posts flat rows: ", " and ": " separators, non-ASCII escaped. */
function pythonJson(rows: Array<Record<string, unknown>>): string {
  const row = (r: Record<string, unknown>) => `{${Object.entries(r).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')}}`;
  const text = `[${rows.map(row).join(', ')}]`;
  return text.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * `count` distinct bodies of EVENTS_PER_POST shape-C rows, as Keeper Commander `audit-log --target azure-la` posts
 * them (keeper-events.md §1.C): Python json.dumps text, so ", " and ": " separators and ASCII only.
 */
export function commanderBodies(count: number, seed = 7): Buffer[] {
  const r = seededRandom(seed);
  let time = Date.parse('2025-01-12T00:00:00.000Z');
  const bodies: Buffer[] = [];
  for (let b = 0; b < count; b++) {
    const events: Array<Record<string, unknown>> = [];
    for (let e = 0; e < EVENTS_PER_POST; e++) events.push(commanderEvent(r, (time += Math.floor(r() * 4000))));
    bodies.push(Buffer.from(pythonJson(events)));
  }
  return bodies;
}
