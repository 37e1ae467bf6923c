import { LegacyError, invalidData } from './legacyError';

/** The retired API's limit per post: 30 MB. */
export const MAX_BODY_BYTES = 30 * 1024 * 1024;

export function tooLarge(bytes: number | string): LegacyError {
  return new LegacyError(
    'RequestTooLarge',
    `Either the provided URL is incorrect or the request is too large: the body is ${bytes} bytes, ` +
      `the limit is ${MAX_BODY_BYTES} bytes (30 MB).`,
  );
}

/** The sender went away while its body was being read: nobody is left to answer, and nothing was accepted. */
export class ClientDisconnected extends Error {
  override name = 'ClientDisconnected';
  constructor() {
    super('the client disconnected before sending the whole body');
  }
}

/** Reads a declared Content-Length, refusing oversized or malformed values before any body byte is read. */
export function declaredLength(header: string | null): number | undefined {
  if (header === null || header === '') return undefined;
  if (!/^\d+$/.test(header.trim())) throw invalidData(`The Content-Length header '${header.slice(0, 40)}' is not a byte count.`);
  const length = Number(header.trim());
  if (length > MAX_BODY_BYTES) throw tooLarge(length);
  return length;
}

/**
 * Reads the body stream, never holding more than the limit: a caller cannot make the relay buffer a large body
 * by lying about (or omitting) Content-Length.
 */
export async function readCappedBody(
  stream: ReadableStream<Uint8Array> | null,
  expectedLength: number | undefined,
  limit = MAX_BODY_BYTES,
): Promise<Buffer> {
  if (!stream) {
    if (expectedLength) throw lengthMismatch(expectedLength, 0);
    return Buffer.alloc(0);
  }
  // A declared length is known to be within the cap: read straight into one buffer of that size, so the door holds
  // the body once (not its chunks plus their concatenation).
  const whole = expectedLength !== undefined ? Buffer.allocUnsafe(expectedLength) : undefined;
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read().catch(() => {
        throw new ClientDisconnected();
      });
      if (done) break;
      if (total + value.byteLength > limit) throw tooLarge(`more than ${limit}`);
      if (expectedLength !== undefined && total + value.byteLength > expectedLength) throw lengthMismatch(expectedLength, `more than ${expectedLength}`);
      if (whole) whole.set(value, total);
      else chunks.push(value);
      total += value.byteLength;
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  } finally {
    reader.releaseLock();
  }
  if (expectedLength !== undefined && total !== expectedLength) throw lengthMismatch(expectedLength, total);
  return whole ?? Buffer.concat(chunks, total);
}

function lengthMismatch(declared: number, received: number | string): LegacyError {
  return invalidData(`The Content-Length header declares ${declared} bytes but ${received} bytes were received.`);
}
