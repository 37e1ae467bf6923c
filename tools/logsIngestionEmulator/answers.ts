import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/**
 * The service's error shape: `{"error":{"code","message"}}` with the code repeated in `x-ms-error-code` (the SDK's
 * RestError takes `code` from the body and the header). Every answer carries a request id, as Azure's do.
 */
export function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-ms-error-code': code,
    'x-ms-request-id': randomUUID(),
    ...headers,
  });
  res.end(body);
}

/** Success is 204 with an empty body. */
export function sendNoContent(res: ServerResponse): void {
  res.writeHead(204, { 'x-ms-request-id': randomUUID() });
  res.end();
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
