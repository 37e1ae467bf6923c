import { parseJsonText } from './jsonBody';
import { invalidData } from './legacyError';
import { isPlainObject, type RecordObject } from './recordRules';

/**
 * Keeper's Syslog export (Admin Console reports, S3 integration; keeper-events.md shape D): one RFC 5424 line per
 * event, `<165>1 2023-10-30T02:18:43.776Z keepersecurity.jp keeper - - - {"audit_event":"login",...}`, CRLF or LF.
 * The JSON after the structured data is a shape-A event; Keeper leaves `timestamp` out of it, so the header's
 * TIMESTAMP becomes the event's `timestamp` (the JSON's own wins when present).
 * Grammar: RFC 5424 section 6 (HEADER SP STRUCTURED-DATA [SP MSG]).
 */

// PRI VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID, then the rest (structured data and message).
const HEADER = /^<(\d{1,3})>([1-9]\d{0,2}) (\S+) (\S{1,255}) (\S{1,48}) (\S{1,128}) (\S{1,32}) (.*)$/s;
const FULL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/;

/** One event of a Syslog export: its exact JSON text (header timestamp added if absent) and the parsed event. */
export interface SyslogEvent {
  text: string;
  record: RecordObject;
}

/** Where the structured data ends: after `-`, or after the last `]` of its elements (values may escape `]`). */
function structuredDataEnd(rest: string, line: number): number {
  if (rest.startsWith('-')) return 1;
  let i = 0;
  while (rest[i] === '[') {
    let quoted = false;
    for (i++; i < rest.length; i++) {
      const c = rest[i];
      if (quoted && c === '\\') i++;
      else if (c === '"') quoted = !quoted;
      else if (c === ']' && !quoted) break;
    }
    if (i >= rest.length) throw invalidData(`Syslog line ${line}: the structured data is not closed with "]".`);
    i++;
  }
  if (i === 0) throw invalidData(`Syslog line ${line}: the structured data is neither "-" nor [elements] (RFC 5424).`);
  return i;
}

/**
 * One line of a Syslog export (without its line break) → the event. `line` is its 1-based number in the body.
 * Errors: InvalidDataFormat "Syslog line N: ..." for a header that is not RFC 5424, a bad TIMESTAMP, or a message
 * that is not one JSON object.
 */
export function parseSyslogLine(text: string, line: number): SyslogEvent {
  const header = HEADER.exec(text);
  if (!header) throw invalidData(`Syslog line ${line}: not an RFC 5424 line ("<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG").`);
  const timestamp = header[3]!;
  if (timestamp !== '-' && !FULL_TIME.test(timestamp)) throw invalidData(`Syslog line ${line}: the TIMESTAMP is not an RFC 5424 time.`);
  const rest = header[8]!;
  const end = structuredDataEnd(rest, line);
  if (rest.length > end && rest[end] !== ' ') throw invalidData(`Syslog line ${line}: the structured data is not followed by a space.`);
  // RFC 5424 allows a UTF-8 byte-order mark before the message.
  const message = rest.slice(end + 1).replace(/^\uFEFF/, '').trim();
  if (message === '') throw invalidData(`Syslog line ${line}: there is no Keeper event (JSON) after the header.`);
  const record = parseJsonText(message, `Syslog line ${line}: the message`);
  if (!isPlainObject(record)) throw invalidData(`Syslog line ${line}: the message is not a JSON object.`);
  if (record.timestamp !== undefined || timestamp === '-') return { text: message, record };
  record.timestamp = timestamp;
  // Added to the text as well, so the event's exact JSON (numbers included) travels unchanged.
  const inner = message.slice(1).trimStart();
  const withTime = `{"timestamp":${JSON.stringify(timestamp)}${inner.startsWith('}') ? '' : ','}${inner}`;
  return { text: withTime, record };
}

/** The lines of a Syslog body, CRLF or LF; blank lines skipped. Numbers are 1-based line numbers. */
export function* syslogLines(text: string): Generator<{ text: string; line: number }> {
  let start = 0;
  for (let n = 1; start <= text.length; n++) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    const line = text.slice(start, end > start && text[end - 1] === '\r' ? end - 1 : end);
    if (line.trim() !== '') yield { text: line, line: n };
    if (nl === -1) break;
    start = nl + 1;
  }
}

/** A whole Syslog export → its events; the first malformed line refuses the body, naming its number. */
export function parseKeeperSyslog(text: string): SyslogEvent[] {
  const events: SyslogEvent[] = [];
  for (const { text: lineText, line } of syslogLines(text)) events.push(parseSyslogLine(lineText, line));
  return events;
}
