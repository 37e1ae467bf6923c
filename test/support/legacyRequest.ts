import { HttpRequest, InvocationContext } from '@azure/functions';
import { sharedKeyAuthorization } from '../../shared/ingest/sharedKey';

export interface LegacyPost {
  workspaceId: string;
  key: string;
  body: string | Buffer;
  logType?: string;
  date?: string;
  contentType?: string;
  /** The Content-Type the signature is made over, when a sender signs something else than it sends. */
  signedContentType?: string;
  host?: string;
  query?: string;
  /** Extra or overriding headers; null removes one. */
  headers?: Record<string, string | null>;
  /** Content-Length used in the signature, when a test wants it to differ from the body. */
  signedLength?: number;
  /** Send every header name in lower case, as Vector does. */
  lowerCaseHeaders?: boolean;
}

/** Headers exactly as a legacy sender builds them, signed with the given key. */
export function legacyHeaders(post: LegacyPost): Record<string, string> {
  const bytes = Buffer.isBuffer(post.body) ? post.body : Buffer.from(post.body);
  const date = post.date ?? new Date().toUTCString();
  const contentType = post.contentType ?? 'application/json';
  const headers: Record<string, string | null> = {
    'Content-Type': contentType,
    'Content-Length': String(bytes.length),
    Authorization: sharedKeyAuthorization(post.workspaceId, post.key, post.signedLength ?? bytes.length, date, post.signedContentType ?? contentType),
    'Log-Type': post.logType ?? 'Keeper',
    'x-ms-date': date,
    ...post.headers,
  };
  const present = Object.entries(headers).filter((e): e is [string, string] => e[1] !== null);
  return Object.fromEntries(post.lowerCaseHeaders ? present.map(([k, v]) => [k.toLowerCase(), v]) : present);
}

export function legacyUrl(post: Pick<LegacyPost, 'host' | 'query'>): string {
  return `https://${post.host ?? 'relay.example.net'}/api/logs${post.query ?? '?api-version=2016-04-01'}`;
}

/** A real HttpRequest as the Functions host would hand it to the handler. */
export function legacyRequest(post: LegacyPost): HttpRequest {
  const bytes = Buffer.isBuffer(post.body) ? post.body : Buffer.from(post.body);
  return new HttpRequest({ method: 'POST', url: legacyUrl(post), headers: legacyHeaders(post), body: { bytes } });
}

export function invocation(): InvocationContext {
  return new InvocationContext({ functionName: 'test', invocationId: 'test', logHandler: () => undefined });
}

/**
 * A request whose body is a stream the test controls, as the host's HTTP streaming hands it over: `pull` feeds it
 * and counts how much the handler read.
 */
export function streamedRequest(headers: Record<string, string>, pull: (controller: ReadableStreamDefaultController<Uint8Array>) => void): HttpRequest {
  const body = new ReadableStream<Uint8Array>({ pull });
  const nativeRequest = new Request(legacyUrl({}), { method: 'POST', headers, body, duplex: 'half' } as RequestInit);
  // nativeRequest is the library's own streaming seam.
  return new HttpRequest({ nativeRequest } as unknown as ConstructorParameters<typeof HttpRequest>[0]);
}
