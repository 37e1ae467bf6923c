import type { IncomingHttpHeaders } from 'node:http';
import { readDevelopmentToken } from '../../shared/delivery/developmentCredential';

export type AuthResult = { ok: true } | { ok: false; message: string };

/** Entra tokens may carry the audience with or without a trailing slash; both mean the same resource. */
function normaliseAudience(audience: string): string {
  return audience.replace(/\/+$/, '').toLowerCase();
}

/**
 * The service's token check, on the development token format (shared/delivery/developmentCredential.ts): present, a bearer
 * token, for the configured audience (so a relay configured for the wrong cloud fails locally too), not expired.
 */
export function checkAuthorization(headers: IncomingHttpHeaders, audience: string, now: number): AuthResult {
  const header = headers.authorization;
  if (!header) return { ok: false, message: 'An Authorization header with a bearer token is required.' };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) return { ok: false, message: 'The Authorization header must hold a bearer token.' };
  const claims = readDevelopmentToken(match[1]);
  if (!claims) return { ok: false, message: 'The bearer token is not a valid token for this service.' };
  if (normaliseAudience(claims.aud) !== normaliseAudience(audience)) {
    return { ok: false, message: `The token's audience '${claims.aud}' is not '${audience}'.` };
  }
  if (claims.exp * 1000 <= now) return { ok: false, message: 'The bearer token has expired.' };
  return { ok: true };
}
