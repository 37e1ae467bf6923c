import type { BodyFormat } from '../handoff/queueEnvelope';

/**
 * Splits a body, fed in chunks of bytes, into the exact UTF-8 text of each record, without parsing it:
 * the elements of a top-level JSON array, a lone top-level value (one record), or the non-blank lines of NDJSON.
 * Memory: the record being assembled plus the chunk at hand, whatever the body's size, so the door can validate
 * and delivery can read a 30 MB message of ten million records one record at a time.
 * It checks only the structure between records; each record's own syntax is left to whoever parses its text.
 */

/** One record's text as bytes (a slice of the body, no surrounding whitespace), with where it started. */
export interface RecordBytes {
  bytes: Buffer;
  /** Byte offset of the record's first byte in the body (after any byte-order mark). */
  offset: number;
  /** 1-based line of an NDJSON record. */
  line?: number;
}

/** The body is broken between records (or ends too early); `offset` is in bytes from the body's start. */
export class BodyStructureError extends Error {
  override name = 'BodyStructureError';
  constructor(
    readonly offset: number | 'end',
    readonly line?: number,
  ) {
    super(offset === 'end' ? 'the body ends too early' : `unexpected character at byte ${offset}`);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function trimEnd(bytes: Buffer): Buffer {
  let end = bytes.length;
  while (end > 0 && isSpace(bytes[end - 1]!)) end--;
  return end === bytes.length ? bytes : bytes.subarray(0, end);
}

type JsonState = 'start' | 'before-value' | 'in-value' | 'after-array' | 'single';

export class RecordSplitter {
  private state: JsonState = 'start';
  /** Parts of the record being assembled, from earlier chunks. */
  private parts: Buffer[] = [];
  private recordOffset = 0;
  /** Bytes of the body seen before the current chunk (byte-order mark excluded). */
  private consumed = 0;
  private depth = 0;
  private inString = false;
  /** A backslash ended the previous chunk inside a string. */
  private escaped = false;
  private afterComma = false;
  private line = 1;
  private bomChecked = false;
  private pendingBom: Buffer | undefined;

  constructor(readonly format: BodyFormat) {}

  /** The JSON body is one lone value rather than an array: its one record is the whole body. */
  get loneValue(): boolean {
    return this.state === 'single';
  }

  /** Feeds the next chunk; returns the records it completed. */
  push(input: Buffer): RecordBytes[] {
    const chunk = this.stripBom(input);
    if (chunk.length === 0) return [];
    const out: RecordBytes[] = [];
    if (this.format === 'ndjson') this.splitLines(chunk, out);
    else this.splitJson(chunk, out);
    this.consumed += chunk.length;
    return out;
  }

  /** Ends the body; returns the last record, or throws when the body stopped in the middle of one. */
  end(): RecordBytes[] {
    if (this.pendingBom) {
      const rest = this.pendingBom;
      this.pendingBom = undefined;
      this.bomChecked = true;
      const records = this.push(rest);
      return [...records, ...this.end()];
    }
    if (this.format === 'ndjson') {
      const last = this.take(Buffer.alloc(0), 0, 0);
      const text = trimEnd(last);
      return text.length > 0 ? [{ bytes: text, offset: this.recordOffset, line: this.line }] : [];
    }
    if (this.state === 'single') return [{ bytes: trimEnd(this.take(Buffer.alloc(0), 0, 0)), offset: this.recordOffset }];
    if (this.state !== 'after-array') throw new BodyStructureError('end');
    return [];
  }

  /** A UTF-8 byte-order mark is tolerated and dropped, even when the first chunk is shorter than the mark. */
  private stripBom(chunk: Buffer): Buffer {
    if (this.bomChecked) return chunk;
    const head = this.pendingBom ? Buffer.concat([this.pendingBom, chunk]) : chunk;
    if (head.length < 3 && head.length > 0 && Buffer.from([0xef, 0xbb, 0xbf]).subarray(0, head.length).equals(head)) {
      this.pendingBom = head;
      return Buffer.alloc(0);
    }
    this.pendingBom = undefined;
    this.bomChecked = true;
    return head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? head.subarray(3) : head;
  }

  /** The record from its start (in earlier chunks or at `start` of this one) up to `end` of this chunk. */
  private take(chunk: Buffer, start: number, end: number): Buffer {
    const tail = chunk.subarray(start, end);
    if (this.parts.length === 0) return tail;
    const whole = Buffer.concat([...this.parts, tail]);
    this.parts = [];
    return whole;
  }

  private splitLines(chunk: Buffer, out: RecordBytes[]): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl < 0) break;
      const text = trimEnd(this.take(chunk, start, nl));
      const lead = leadingSpace(text);
      if (lead < text.length) out.push({ bytes: text.subarray(lead), offset: this.recordOffset + lead, line: this.line });
      this.line++;
      start = nl + 1;
      this.recordOffset = this.consumed + start;
    }
    if (start < chunk.length) this.parts.push(chunk.subarray(start));
  }

  private splitJson(chunk: Buffer, out: RecordBytes[]): void {
    // The hot loop of a 30 MB body: state in locals, written back at the end.
    let state = this.state;
    let depth = this.depth;
    let recordStart = state === 'in-value' || state === 'single' ? 0 : -1;
    const length = chunk.length;
    let i = 0;
    while (i < length) {
      if (state === 'single') {
        i = length;
        break;
      }
      if (this.inString) {
        i = this.skipString(chunk, i);
        continue;
      }
      const byte = chunk[i]!;
      if (state === 'in-value') {
        if (byte === QUOTE) this.inString = true;
        else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
        else if (depth > 0) {
          if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--;
        } else if (byte === COMMA || byte === CLOSE_BRACKET) {
          out.push({ bytes: trimEnd(this.take(chunk, recordStart, i)), offset: this.recordOffset });
          recordStart = -1;
          this.afterComma = byte === COMMA;
          state = byte === COMMA ? 'before-value' : 'after-array';
        } else if (byte === CLOSE_BRACE) {
          throw new BodyStructureError(this.consumed + i);
        }
        i++;
        continue;
      }
      if (isSpace(byte)) {
        i++;
        continue;
      }
      if (state === 'before-value') {
        if (byte === CLOSE_BRACKET && !this.afterComma) {
          state = 'after-array';
          i++;
          continue;
        }
        if (byte === COMMA || byte === CLOSE_BRACKET) throw new BodyStructureError(this.consumed + i);
        state = 'in-value';
        depth = 0;
        this.recordOffset = this.consumed + i;
        recordStart = i;
        continue;
      }
      if (state === 'start') {
        this.recordOffset = this.consumed + i;
        if (byte === OPEN_BRACKET) {
          state = 'before-value';
          i++;
        } else {
          // A lone value is one record: the rest of the body, whatever it is (its parser judges it).
          state = 'single';
          recordStart = i;
        }
        continue;
      }
      // After the array's closing bracket only whitespace may follow.
      throw new BodyStructureError(this.consumed + i);
    }
    this.state = state;
    this.depth = depth;
    if (recordStart >= 0 && (state === 'in-value' || state === 'single')) this.parts.push(chunk.subarray(recordStart));
  }

  /** Inside a string: jumps to the byte after its closing quote, or to the chunk's end. */
  private skipString(chunk: Buffer, from: number): number {
    let i = from;
    if (this.escaped) {
      // The escaped character is the first of this chunk.
      this.escaped = false;
      i++;
    }
    for (;;) {
      const quote = chunk.indexOf(QUOTE, i);
      if (quote < 0) {
        this.escaped = backslashRun(chunk, i, chunk.length) % 2 === 1;
        return chunk.length;
      }
      if (backslashRun(chunk, i, quote) % 2 === 0) {
        this.inString = false;
        return quote + 1;
      }
      i = quote + 1;
    }
  }
}

/** How many backslashes end chunk[from, end). */
function backslashRun(chunk: Buffer, from: number, end: number): number {
  let n = 0;
  while (end - n - 1 >= from && chunk[end - n - 1] === BACKSLASH) n++;
  return n;
}

function leadingSpace(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length && isSpace(bytes[i]!)) i++;
  return i;
}
