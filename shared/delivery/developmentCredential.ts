import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';

/**
 * A token credential for the local Logs Ingestion emulator only (selected by RELAY_CREDENTIAL=development).
 * Its tokens are "dev.<base64url JSON {aud, exp, sub}>": the emulator checks the audience and expiry the way the
 * real service checks an Entra token's, so a wrong cloud/audience setting fails locally too. Useless against Azure.
 */
export const DEVELOPMENT_TOKEN_PREFIX = 'dev.';

export interface DevelopmentTokenClaims {
  aud: string;
  exp: number;
  sub: string;
}

export class DevelopmentTokenCredential implements TokenCredential {
  async getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
    const scope = Array.isArray(scopes) ? scopes[0]! : scopes;
    const expiresOnTimestamp = Date.now() + 60 * 60 * 1000;
    const claims: DevelopmentTokenClaims = { aud: scope.replace(/\/\.default$/, ''), exp: Math.floor(expiresOnTimestamp / 1000), sub: 'relay-development' };
    return { token: DEVELOPMENT_TOKEN_PREFIX + Buffer.from(JSON.stringify(claims)).toString('base64url'), expiresOnTimestamp };
  }
}

/** The claims of a development token, or undefined when it is not one. */
export function readDevelopmentToken(token: string): DevelopmentTokenClaims | undefined {
  if (!token.startsWith(DEVELOPMENT_TOKEN_PREFIX)) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(token.slice(DEVELOPMENT_TOKEN_PREFIX.length), 'base64url').toString('utf8')) as DevelopmentTokenClaims;
    return typeof claims.aud === 'string' && typeof claims.exp === 'number' ? claims : undefined;
  } catch {
    return undefined;
  }
}
