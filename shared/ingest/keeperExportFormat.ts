import { decodeUtf8 } from './jsonBody';
import { parseKeeperCsv } from './keeperCsv';
import { parseKeeperSyslog } from './keeperSyslog';
import type { RecordObject } from './recordRules';

/**
 * The Keeper door's export formats besides JSON (keeper-events.md shape D): CSV and Syslog files as the Admin
 * Console exports them. Such a body becomes NDJSON of shape-A events, the form delivery already reads, so nothing
 * after the door changes; the conversion is deterministic, so a re-sent export yields the same event ids.
 */
export type KeeperExportFormat = 'csv' | 'syslog';

const CSV_TYPES = new Set(['text/csv', 'application/csv']);
// Syslog files have no registered media type; these are the names tools use.
const SYSLOG_TYPES = new Set(['application/syslog', 'text/syslog', 'application/x-syslog', 'text/x-syslog']);

/** Media types the backfill tool sends for each export format. */
export const EXPORT_CONTENT_TYPES: Record<KeeperExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  syslog: 'application/x-syslog; charset=utf-8',
};

/** The export format a Content-Type names, if it names one. */
export function declaredExportFormat(contentType: string | null): KeeperExportFormat | undefined {
  const media = contentType?.split(';')[0]!.trim().toLowerCase();
  if (!media) return undefined;
  if (CSV_TYPES.has(media)) return 'csv';
  if (SYSLOG_TYPES.has(media)) return 'syslog';
  return undefined;
}

/**
 * The export format of a body sent without a telling Content-Type, from its first line: `<PRI>` opens a Syslog
 * line; a line naming audit_event among commas is a CSV header; JSON (`[`, `{`) is not an export format here.
 */
export function detectExportFormat(body: Uint8Array): KeeperExportFormat | undefined {
  const head = Buffer.from(body.buffer, body.byteOffset, Math.min(body.byteLength, 4096)).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (/^<\d{1,3}>\d/.test(head)) return 'syslog';
  const firstLine = head.split(/\r?\n/, 1)[0]!;
  if (!head.startsWith('[') && !head.startsWith('{') && firstLine.includes(',') && /(^|,)"?audit_event"?(,|$)/.test(firstLine)) return 'csv';
  return undefined;
}

/** An export converted for the queue: NDJSON of its events (one exact JSON text a line) and the parsed events. */
export interface ConvertedExport {
  body: Buffer;
  records: RecordObject[];
}

/** A CSV or Syslog export body → NDJSON. Errors: InvalidDataFormat naming the line, nothing converted. */
export function convertKeeperExport(body: Uint8Array, format: KeeperExportFormat): ConvertedExport {
  const text = decodeUtf8(body);
  if (format === 'csv') {
    const records = parseKeeperCsv(text);
    return { body: Buffer.from(records.map((r) => JSON.stringify(r)).join('\n')), records };
  }
  const events = parseKeeperSyslog(text);
  return { body: Buffer.from(events.map((e) => e.text).join('\n')), records: events.map((e) => e.record) };
}
