import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { brotliCompress, brotliCompressSync, brotliDecompress, brotliDecompressSync, constants, createBrotliDecompress } from 'node:zlib';

/**
 * How request bodies are compressed into queue messages and claim-check blobs: Brotli at quality 0 (the envelope
 * names it: `br-base64` inline, `br` in a blob; any quality decodes alike). Compression sits on the path of every
 * acknowledgement, so the door's whole cost decides: `npm run bench` measures it per 250-event post
 * (tools/bench/codecCost.ts: compression + base64 + envelope text + the storage SDK's send, network left out).
 * Quality 0 is the cheapest that fits a 250-event Keeper or Commander post in one 64 KiB message (~16-21 KiB);
 * quality 1 costs ~10-30% more to encode, gzip 1 about twice as much, Brotli 4 and up 3-400x. The body's text
 * itself ("raw when it fits", no compression) fits a Commander post (61 KiB) yet costs the door 2-3x as much: the
 * SDK writes the message into XML escaping every quote as `&quot;` (a 92 KiB request instead of 17 KiB).
 */
const OPTIONS = { params: { [constants.BROTLI_PARAM_QUALITY]: 0, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT } };
/** Small bodies compress inline (~0.15 ms); larger ones on the thread pool, so they do not stall other requests. */
const SYNC_MAX_BYTES = 512 * 1024;

const compressAsync = promisify(brotliCompress);
const decompressAsync = promisify(brotliDecompress);

export async function compressPayload(body: Buffer): Promise<Buffer> {
  return body.length <= SYNC_MAX_BYTES ? brotliCompressSync(body, OPTIONS) : compressAsync(body, OPTIONS);
}

/** A whole payload decompressed at once (tools and tests inspecting messages; delivery reads decompressedChunks). */
export async function decompressPayload(data: Buffer): Promise<Buffer> {
  return data.length <= SYNC_MAX_BYTES / 4 ? brotliDecompressSync(data) : decompressAsync(data);
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
