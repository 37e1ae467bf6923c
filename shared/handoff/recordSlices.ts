import type { Readable } from 'node:stream';
import { brotliDecompressSync, createBrotliDecompress } from 'node:zlib';
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

/**
 * True for an error the decompressor raised about the bytes themselves (not a failed read of them): zlib's codes
 * (`Z_BUF_ERROR`, `Z_DATA_ERROR`, …) and Brotli's decoder codes (`ERR__ERROR_FORMAT_…`, `ERR_BROTLI_…`). Such a payload
 * never decompresses, however often it is retried.
 */
export function isCorruptPayload(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('Z_') || code.startsWith('ERR__ERROR') || code.startsWith('ERR_BROTLI'));
}

/** An inline payload up to this size decompresses in one call: a quarter of the CPU of the stream for a 60 KB body. */
const WHOLE_MAX_BYTES = 4 * 1024 * 1024;

/** The decompressed payload: read as it arrives (a stream), or whole (one buffer in an array). */
export type PayloadChunks = Readable | Buffer[];

/**
 * Decompresses a Brotli stream (a blob download) chunk by chunk, or a buffer (an inline message) whole when its
 * output is small: a quarter of the stream's CPU for a 60 KB body, and no stream for a one-record message. Corrupt
 * bytes throw here (buffer) or from the stream as it is read.
 */
export function decompressedChunks(source: Readable | Buffer): PayloadChunks {
  if (Buffer.isBuffer(source)) {
    try {
      return [brotliDecompressSync(source, { maxOutputLength: WHOLE_MAX_BYTES })];
    } catch (error) {
      // Larger (a very compressible body): streamed below, so memory stays bounded.
      if ((error as { code?: string }).code !== 'ERR_BUFFER_TOO_LARGE') throw error;
    }
  }
  const brotli = createBrotliDecompress();
  if (Buffer.isBuffer(source)) brotli.end(source);
  else {
    source.on('error', (error) => brotli.destroy(error));
    source.pipe(brotli);
  }
  return brotli;
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
