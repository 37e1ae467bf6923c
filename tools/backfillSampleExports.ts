import { closeSync, openSync, writeSync } from 'node:fs';
import { csvCell } from '../shared/ingest/keeperCsv';

/**
 * Keeper export files of any size for tests and the bench, built from the examples in Keeper's documentation
 * (../shared/reference/seeds/keeper-reporting-alerts-siem.txt, "Log File Examples" and "Raw Event Data Examples"),
 * with the edge cases real exports have: CSV cells with commas, quotes and line breaks, rows missing trailing cells,
 * empty cells; Syslog lines ending CRLF (as Keeper writes them) or LF, blank lines, JSON without `timestamp`;
 * pretty-printed JSON with brackets and commas inside strings. Every event is distinct (its own timestamp).
 */

export type SampleFormat = 'json' | 'csv' | 'syslog';

/** The seed's events (JSON and Syslog examples), shape A without timestamp. */
const SEED_EVENTS: Record<string, unknown>[] = [
  { audit_event: 'login', remote_address: '12.34.56.78', client_version: 'iPhone.16.9.3', username: 'craig@keeperdemo.io', enterprise_id: 67241 },
  { record_uid: 'ac3QeHmeGz6Jyb7wnuHnfQ', audit_event: 'open_record', remote_address: '12.34.56.78', client_version: 'iPhone.16.9.3', username: 'craig@keeperdemo.io', enterprise_id: 67241 },
  { audit_event: 'device_user_approval_requested', device_name: 'iPhone', remote_address: '12.34.56.78', category: 'security', client_version: 'iPhone.16.9.4', username: 'craig@keeperdemo.io', enterprise_id: 50, client_version_new: true },
  { audit_event: 'login', channel: 'PASS', remote_address: '12.34.56.78', category: 'login', client_version: 'iPhone.16.9.4', username: 'craig@keeperdemo.io', enterprise_id: 50 },
  { record_uid: 'Uk6qLnfWVxWL9OQlsGdOUw', audit_event: 'record_update', remote_address: '155.65.56.130', client_version: 'Browser Extensions.12.3.0', username: 'testing@keepersecurity.com', enterprise_id: 12345 },
  // Edge cases: text with the characters a splitter must not trip on, non-ASCII, nested values.
  { audit_event: 'role_created', name: 'Admins, "EU" [north]\nsecond line {x}', remote_address: '12.34.56.78', category: 'policy', client_version: 'EMConsole.16.15.3', username: 'zoë@keeperdemo.io', enterprise_id: 50 },
  { audit_event: 'added_to_role', remote_address: '12.34.56.78', category: 'security', username: 'craig@keeperdemo.io', enterprise_id: 50, role_id: '28162100560074', details: { tags: ['a,b', ']'], n: 1 } },
];

/** The seed's CSV columns (keeper-events.md shape D). */
const CSV_COLUMNS = ['audit_event', 'name', 'remote_address', 'category', 'client_version', 'timestamp', 'username', 'enterprise_id'];

const CSV_NAMES = ['s3', '', 'Admins, EU', 'He said "hi"', 'two\nlines', 'three\r\nline\nbreaks, and "quotes"', ''];

export interface SampleExport {
  /** Events the door accepts. */
  events: number;
  /** Events a correct reader refuses (bad lines), by their 1-based line. */
  badLines: number[];
  /** Accepted events per UTC day of event time. */
  days: Record<string, number>;
  bytes: number;
}

export interface SampleOptions {
  /** A malformed event (Syslog: not RFC 5424; CSV: bad timestamp; JSON: no audit_event) every N events; 0 none. */
  badEvery?: number;
  /** First event time, epoch ms; events are 7.001 s apart. */
  startMs?: number;
  /** Makes the events of this file differ from another file's with the same count. */
  tag?: string;
}

const STEP_MS = 7001;

/** Writes an export of `count` good events (plus bad ones per badEvery) to `file`, streamed in 1 MB writes. */
export function writeSampleExport(file: string, format: SampleFormat, count: number, options: SampleOptions = {}): SampleExport {
  const { badEvery = 0, startMs = Date.UTC(2026, 7, 20), tag = 't' } = options;
  const fd = openSync(file, 'w');
  const result: SampleExport = { events: 0, badLines: [], days: {}, bytes: 0 };
  let buffered: string[] = [];
  let bufferedLength = 0;
  let line = 1;
  const write = (text: string) => {
    buffered.push(text);
    bufferedLength += text.length;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) line++;
    if (bufferedLength > 1 << 20) flush();
  };
  const flush = () => {
    const bytes = Buffer.from(buffered.join(''));
    writeSync(fd, bytes);
    result.bytes += bytes.length;
    buffered = [];
    bufferedLength = 0;
  };

  if (format === 'json') write('[\n');
  if (format === 'csv') write(`${CSV_COLUMNS.join(',')}\n`);
  let written = 0;
  for (let i = 0; written < count; i++) {
    const bad = badEvery > 0 && i % badEvery === badEvery - 1;
    const ms = startMs + i * STEP_MS;
    const iso = new Date(ms).toISOString();
    const seed: Record<string, unknown> = { ...SEED_EVENTS[i % SEED_EVENTS.length]!, sample: `${tag}-${i}` };
    const first = i === 0;
    if (format === 'json') {
      const event = bad ? { ...seed, audit_event: undefined, timestamp: iso } : { ...seed, timestamp: iso };
      // Every third event pretty-printed, as Keeper's documentation shows them.
      const text = i % 3 === 0 ? JSON.stringify(event, null, 2) : JSON.stringify(event);
      write(`${first ? '' : ',\n'}${text}`);
      // The element ends on the line being written (no line break after it yet).
      if (bad) result.badLines.push(line);
    } else if (format === 'syslog') {
      const eol = i % 2 === 0 ? '\r\n' : '\n';
      if (i % 50 === 0) write(eol);
      // Keeper's Syslog export leaves timestamp out of the JSON; every tenth line carries it anyway.
      const event = i % 10 === 0 ? { ...seed, timestamp: iso } : seed;
      write(bad ? `<165>1 ${iso} keepersecurity.jp keeper - - {"audit_event":"login"}${eol}` : `<165>1 ${iso} keepersecurity.jp keeper - - - ${JSON.stringify(event)}${eol}`);
      if (bad) result.badLines.push(line - 1);
    } else {
      const cells = [
        String(seed.audit_event),
        CSV_NAMES[i % CSV_NAMES.length]!,
        String(seed.remote_address ?? ''),
        String(seed.category ?? ''),
        String(seed.client_version ?? ''),
        bad ? 'yesterday' : String(ms),
        String(seed.username),
        `${seed.enterprise_id}`,
      ];
      // Every fifth row stops after the timestamp (missing trailing columns); the sample tag goes in `name`.
      cells[1] = `${cells[1]}|${tag}-${i}`;
      const row = (i % 5 === 4 ? cells.slice(0, 6) : cells).map(csvCell).join(',');
      write(`${row}\n`);
      if (bad) result.badLines.push(line - 1);
    }
    if (!bad) {
      written++;
      result.events++;
      const day = iso.slice(0, 10);
      result.days[day] = (result.days[day] ?? 0) + 1;
    }
  }
  if (format === 'json') write('\n]\n');
  flush();
  closeSync(fd);
  return result;
}
