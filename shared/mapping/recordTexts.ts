import { checkUtf8 } from '../ingest/jsonBody';
import type { BodyFormat } from '../handoff/queueEnvelope';
import { RecordSplitter } from '../ingest/recordSplitter';

/**
 * The exact JSON text of each record of a body held whole: the elements of a top-level array, a bare object, or
 * NDJSON lines. Mapping parses each text itself, losslessly. One splitter for the door, delivery (which reads
 * records incrementally, recordSlices.ts) and this: RecordSplitter.
 */
export function recordTexts(bytes: Uint8Array, format: BodyFormat): string[] {
  checkUtf8(bytes);
  const splitter = new RecordSplitter(format);
  const records = [...splitter.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)), ...splitter.end()];
  return records.map((r) => r.bytes.toString('utf8'));
}
