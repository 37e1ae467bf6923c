import { promisify } from 'node:util';
import { brotliCompress, brotliCompressSync, brotliDecompress, brotliDecompressSync, constants } from 'node:zlib';

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

export async function decompressPayload(data: Buffer): Promise<Buffer> {
  return data.length <= SYNC_MAX_BYTES / 4 ? brotliDecompressSync(data) : decompressAsync(data);
}
