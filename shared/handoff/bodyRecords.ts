import { checkUtf8, jsonErrorWhere, parseJsonText } from '../ingest/jsonBody';
import { invalidData, type LegacyError } from '../ingest/legacyError';
import type { BodyFormat, RecordShape } from './queueEnvelope';
import { BodyStructureError, RecordSplitter, type RecordBytes } from '../ingest/recordSplitter';
import { recordChecker } from '../ingest/recordValidation';

/**
 * The door's check of a body, one record at a time: each record's text is parsed and validated on its own and
 * dropped, so a 30 MB post of ten million records never becomes ten million live objects (a body of at most
 * WHOLE_PARSE_MAX_BYTES, such as a 250-event post, is parsed whole: cheaper, and small enough to hold). The event
 * loop gets a turn every YIELD_EVERY records, so one large post does not stall the other requests.
 */
const YIELD_EVERY = 20_000;
/** Bytes handed to the splitter at a time. */
const SCAN_CHUNK = 256 * 1024;
/**
 * A JSON body up to this size is parsed whole, by one JSON.parse, instead of record by record: cheaper (no split,
 * no per-record text) and still a constant bound on what a request holds (a few MB of objects at worst). Only a
 * body that parses is taken this way; any other goes the split way, whose answers name where it broke.
 */
const WHOLE_PARSE_MAX_BYTES = 256 * 1024;

export interface CheckedBody {
  recordCount: number;
  shape: RecordShape;
}

/** The body is not JSON (or NDJSON) at all, as opposed to JSON records the relay refuses. */
export class BodySyntaxError extends Error {
  override name = 'BodySyntaxError';
  constructor(readonly answer: LegacyError) {
    super(answer.message);
  }
}

/** Characters (UTF-16 units, as JSON.parse counts) before a byte offset, for error messages only. */
function charsBefore(body: Buffer, byteOffset: number): number {
  const bom = bomLength(body);
  return body.toString('utf8', bom, bom + byteOffset).length;
}

function bomLength(body: Buffer): number {
  return body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
}

function structureAnswer(body: Buffer, error: BodyStructureError): BodySyntaxError {
  if (error.offset === 'end') return new BodySyntaxError(invalidData('The body is not valid JSON: it ends too early.'));
  const at = charsBefore(body, error.offset);
  const char = body.toString('utf8', bomLength(body) + error.offset, bomLength(body) + error.offset + 1);
  return new BodySyntaxError(invalidData(`The body is not valid JSON at character ${at}: unexpected character ${JSON.stringify(char)}.`));
}

/** One record's value, or the legacy answer naming where its text broke (the body's character, or the NDJSON line). */
export function parseRecord(body: Buffer, record: RecordBytes, format: BodyFormat, whole: boolean): unknown {
  // The empty record, as health checks and load tests send it by the million.
  if (record.bytes.length === 2 && record.bytes[0] === 0x7b && record.bytes[1] === 0x7d) return {};
  const text = record.bytes.toString('utf8');
  if (format === 'ndjson' || whole) {
    try {
      return parseJsonText(text, format === 'ndjson' ? `Line ${record.line}` : 'The body');
    } catch (error) {
      throw new BodySyntaxError(error as LegacyError);
    }
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    if (error instanceof RangeError) throw new BodySyntaxError(invalidData('The body nests too deeply to be parsed.'));
    throw new BodySyntaxError(invalidData(`The body is not valid JSON${jsonErrorWhere(error, charsBefore(body, record.offset))}.`));
  }
}

/** A JSON body's records (an array's elements, or a lone value), or undefined when the body does not parse. */
function parsedWhole(body: Buffer): unknown[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8', bomLength(body)));
  } catch {
    return undefined;
  }
  return Array.isArray(value) ? value : [value];
}

/**
 * Validates a whole body held in memory (one request's, at most 30 MB): UTF-8, the format's structure, and every
 * record by the Log-Type's rules. Throws BodySyntaxError when it is not JSON/NDJSON, else a LegacyError naming the
 * record and property (InvalidDataFormat).
 */
export async function checkBody(body: Buffer, format: BodyFormat, logType: string): Promise<CheckedBody> {
  checkUtf8(body);
  const checker = recordChecker(logType);
  const values = format === 'json' && body.length <= WHOLE_PARSE_MAX_BYTES ? parsedWhole(body) : undefined;
  if (values) {
    for (let i = 0; i < values.length; i++) {
      checker.check(values[i], i);
      if ((i + 1) % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
    }
    return { recordCount: values.length, shape: checker.shape() };
  }
  const splitter = new RecordSplitter(format);
  let index = 0;
  const visit = async (records: RecordBytes[]) => {
    for (const record of records) {
      // A body that is one lone value (not an array) is parsed as the body, so its errors read as before.
      checker.check(parseRecord(body, record, format, splitter.loneValue), index);
      if (++index % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
    }
  };
  try {
    // One chunk at a time, so the splitter's output stays small while the body is scanned.
    for (let at = 0; at < body.length; at += SCAN_CHUNK) await visit(splitter.push(body.subarray(at, at + SCAN_CHUNK)));
    await visit(splitter.end());
  } catch (error) {
    if (error instanceof BodyStructureError) throw structureAnswer(body, error);
    throw error;
  }
  return { recordCount: index, shape: checker.shape() };
}
