import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The Data Collector API's SharedKey scheme:
 * base64(HMAC-SHA256(base64decode(key), "POST\n<length>\n<content-type>\nx-ms-date:<date>\n/api/logs")).
 */
export const SIGNED_RESOURCE = '/api/logs';

export function stringToSign(contentLength: number, contentType: string, date: string): string {
  return `POST\n${contentLength}\n${contentType}\nx-ms-date:${date}\n${SIGNED_RESOURCE}`;
}

export function signDigest(key: Buffer, contentLength: number, contentType: string, date: string): Buffer {
  return createHmac('sha256', key).update(stringToSign(contentLength, contentType, date), 'utf8').digest();
}

/** What a sender puts in its Authorization header. */
export function sharedKeyAuthorization(
  workspaceId: string,
  keyBase64: string,
  contentLength: number,
  date: string,
  contentType = 'application/json',
): string {
  const digest = signDigest(Buffer.from(keyBase64, 'base64'), contentLength, contentType, date);
  return `SharedKey ${workspaceId}:${digest.toString('base64')}`;
}

/**
 * True when the signature matches any key over any of the accepted Content-Type spellings.
 * Every candidate is computed and compared in constant time, so timing reveals neither which key nor how much matched.
 */
export function verifySignature(
  signature: Buffer,
  keys: readonly Buffer[],
  contentLength: number,
  contentTypes: readonly string[],
  date: string,
): boolean {
  let ok = false;
  for (const key of keys) {
    for (const contentType of contentTypes) {
      const expected = signDigest(key, contentLength, contentType, date);
      const match = signature.length === expected.length && timingSafeEqual(signature, expected);
      ok = match || ok;
    }
  }
  return ok;
}
