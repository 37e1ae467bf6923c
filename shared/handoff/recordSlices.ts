import type { BodyFormat } from './queueEnvelope';
import { RecordSplitter } from '../ingest/recordSplitter';

/**
 * Reads a message's payload (Brotli-compressed body, from the message itself or streamed from its claim-check blob)
 * as consecutive slices of record texts: each record's exact JSON text as received. A slice ends when its estimated
 * row bytes reach `sliceBytes`, so a message of ten million tiny records and one of a few huge ones both cost a
 * bounded amount of memory per slice, whatever the message's size.
 */

/** What one record is expected to add to a row beyond its own text (TimeGenerated, ids, column names). */
export const ROW_OVERHEAD_BYTES = 300;
/** About half an upload call: the batcher packs slices of several messages into ~1 MB calls. */
export const SLICE_BYTES = 512 * 1024;

export interface RecordSlice {
  /** Index of the slice's first record in the message. */
  first: number;
  texts: string[];
}

/** The record texts of a decompressed body, in slices; throws BodyStructureError for a body broken between records. */
export async function* recordSlices(chunks: AsyncIterable<Buffer> | Iterable<Buffer>, format: BodyFormat, sliceBytes = SLICE_BYTES): AsyncGenerator<RecordSlice> {
  const splitter = new RecordSplitter(format);
  let texts: string[] = [];
  let bytes = 0;
  let first = 0;
  function* collect(records: ReturnType<RecordSplitter['push']>): Generator<RecordSlice> {
    for (const record of records) {
      texts.push(record.bytes.toString('utf8'));
      bytes += record.bytes.length + ROW_OVERHEAD_BYTES;
      if (bytes >= sliceBytes) {
        yield { first, texts };
        first += texts.length;
        texts = [];
        bytes = 0;
      }
    }
  }
  for await (const chunk of chunks) yield* collect(splitter.push(chunk));
  yield* collect(splitter.end());
  if (texts.length > 0) yield { first, texts };
}
