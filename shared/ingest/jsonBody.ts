import { isUtf8 } from 'node:buffer';
import { invalidData } from './legacyError';
import type { BodyFormat } from '../handoff/queueEnvelope';

/** UTF-8 only, as the retired API required; a byte-order mark is tolerated and dropped. */
export function decodeUtf8(bytes: Uint8Array): string {
  checkUtf8(bytes);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bom = buffer.length >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf;
  return buffer.toString('utf8', bom ? 3 : 0);
}

/** Throws InvalidDataFormat naming the first invalid byte unless the bytes are UTF-8. */
export function checkUtf8(bytes: Uint8Array): void {
  // isUtf8 validates natively, several times faster than a fatal TextDecoder.
  if (!isUtf8(bytes)) throw invalidData(`The body is not valid UTF-8 (first invalid byte at offset ${firstInvalidUtf8Offset(bytes)}).`);
}

function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let lo = 0;
  let hi = bytes.length;
  // Binary search for the shortest invalid prefix; a cut in the middle of a character is not invalid on its own.
  const strict = new TextDecoder('utf-8', { fatal: true });
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    try {
      strict.decode(bytes.subarray(0, mid + 1), { stream: true });
      lo = mid + 1;
    } catch {
      hi = mid;
    }
  }
  return lo;
}

/** Where JSON.parse broke, in words; `shift` is added to a position (a record's offset in its body, in characters). */
export function jsonErrorWhere(error: unknown, shift = 0): string {
  const message = error instanceof Error ? error.message : '';
  const position = /position (\d+)/.exec(message);
  if (position) return ` at character ${Number(position[1]) + shift}`;
  // V8 gives no position for an unexpected token, only a snippet of the body: name the character, not the data.
  const token = /^Unexpected token '(.{1,2})'/u.exec(message);
  if (token) return `: unexpected character ${JSON.stringify(token[1])}`;
  if (/Unexpected end/i.test(message)) return ': it ends too early';
  return '';
}

/** The parsed top-level value of a JSON body, or InvalidDataFormat naming where it broke. */
export function parseJsonText(text: string, what = 'The body'): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (error instanceof RangeError) throw invalidData(`${what} nests too deeply to be parsed.`);
    throw invalidData(`${what} is not valid JSON${jsonErrorWhere(error)}.`);
  }
}

/** NDJSON: one JSON value a line; blank lines are skipped; errors name the line. */
export function parseNdjsonText(text: string): unknown[] {
  const values: unknown[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    values.push(parseJsonText(line, `Line ${i + 1}`));
  }
  return values;
}

/** The records of a body: a JSON array, a bare object (one record), or NDJSON lines. */
export function bodyToValues(bytes: Uint8Array, format: BodyFormat): unknown[] {
  const text = decodeUtf8(bytes);
  if (format === 'ndjson') return parseNdjsonText(text);
  const value = parseJsonText(text);
  return Array.isArray(value) ? value : [value];
}
