import type { IncomingMessage } from 'node:http';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';

const gunzipAsync = promisify(gunzip);

export type BodyResult =
  | { kind: 'ok'; body: Buffer; gzip: boolean }
  | { kind: 'tooLarge' }
  | { kind: 'badEncoding'; message: string };

/**
 * Past this many bytes on the wire the emulator stops reading and drops the connection: it has already decided on
 * 413 long before, and draining (so the client can read the answer) must not become a memory or time sink.
 */
const DRAIN_LIMIT_BYTES = 32 * 1024 * 1024;

/** Read the body, keeping at most `keepBytes` (the rest is counted and discarded). */
async function readBounded(req: IncomingMessage, keepBytes: number): Promise<{ body: Buffer; overflow: boolean }> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let seen = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    seen += chunk.length;
    if (seen > DRAIN_LIMIT_BYTES) {
      req.destroy();
      throw new Error('request body beyond the drain limit');
    }
    if (kept + chunk.length <= keepBytes) {
      chunks.push(chunk);
      kept += chunk.length;
    } else {
      kept = keepBytes + 1;
      chunks.length = 0; // the answer is 413 now; keep nothing while draining
    }
  }
  return { body: kept > keepBytes ? Buffer.alloc(0) : Buffer.concat(chunks), overflow: kept > keepBytes };
}

/**
 * The uncompressed body, enforcing the content limit on the uncompressed size. A gzip body is inflated with a
 * hard output cap, so a small "zip bomb" is refused as 413 without ever inflating it fully.
 */
export async function readRequestBody(req: IncomingMessage, limitBytes: number): Promise<BodyResult> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const gzip = encoding === 'gzip' || encoding === 'x-gzip';
  if (!gzip && encoding !== 'identity' && encoding !== '') {
    await readBounded(req, 0);
    return { kind: 'badEncoding', message: `Unsupported Content-Encoding '${encoding}'; use gzip or none.` };
  }
  // Compressed JSON is never meaningfully larger than the JSON itself, so twice the limit is a safe wire cap.
  const { body, overflow } = await readBounded(req, gzip ? 2 * limitBytes : limitBytes);
  if (overflow) return { kind: 'tooLarge' };
  if (!gzip) return { kind: 'ok', body, gzip };
  try {
    return { kind: 'ok', body: await gunzipAsync(body, { maxOutputLength: limitBytes }), gzip };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return { kind: 'tooLarge' };
    return { kind: 'badEncoding', message: `The body is not valid gzip: ${(error as Error).message}` };
  }
}
