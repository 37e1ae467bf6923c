import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { HttpRequest, HttpResponse, InvocationContext } from '@azure/functions';
import { loadRegistrations, type Registrations } from './functionRegistry';
import { projectRoot } from './localSettings';
import { startQueueTrigger, type QueueTriggerRunner } from './localQueueTrigger';
import { startTimers } from './localTimers';

/**
 * Serves the project's HTTP functions the way `func start` does, for machines without Azure Functions Core Tools:
 * same routes (host.json routePrefix), same methods, streamed request bodies, handler answers written back as is.
 * Function keys are not enforced locally, as with `func start`.
 */

export interface LocalRunner {
  server: Server;
  url: string;
  /** The HTTPS listener's URL, when one was asked for. */
  httpsUrl?: string;
  registrations: Registrations;
  queueTriggers: QueueTriggerRunner[];
  close(): Promise<void>;
}

export interface LocalRunnerOptions {
  port?: number;
  host?: string;
  /** Run the queue-triggered functions too (default); HTTP-only tests turn it off. */
  queues?: boolean;
  /** Run the timer functions too (default, with the queues); a test that invokes a timer itself turns them off. */
  timers?: boolean;
  /** Also serve the same routes over HTTPS (for TLS-only senders), with this key and certificate. */
  https?: { port: number; key: string; cert: string };
}

function routePrefix(): string {
  const hostJson = JSON.parse(readFileSync(path.join(projectRoot(), 'host.json'), 'utf8')) as {
    extensions?: { http?: { routePrefix?: string } };
  };
  return hostJson.extensions?.http?.routePrefix ?? 'api';
}

function toHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) value.forEach((v) => headers.append(name, v));
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

/**
 * The route a path names. Repeated slashes count as one: a public Python client has always posted to
 * `//api/logs?api-version=2016-04-01`. The deployed Functions host does not do this (it 404s an empty first segment;
 * docs/migration.md says what the sources show and what a sender can do), so this is kinder than Azure, on purpose.
 */
export function routePath(pathname: string): string {
  return pathname.replace(/\/{2,}/g, '/').replace(/\/+$/, '').toLowerCase();
}

async function writeResponse(res: ServerResponse, init: ConstructorParameters<typeof HttpResponse>[0], closeAfter = false): Promise<void> {
  const response = new HttpResponse(init);
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  if (closeAfter) headers.connection = 'close';
  res.writeHead(response.status, { ...headers, 'content-length': String(body.length) });
  res.end(body);
}

/**
 * The request's body as the handler reads it, through a stream of its own: a handler that stops reading (a body over
 * the size cap) cancels that stream, not the connection, so its answer still reaches the sender (then the connection
 * is closed, the rest unread, as the Functions host does). A sender that disconnects ends the body with an error.
 */
function requestBody(req: IncomingMessage): PassThrough {
  const body = new PassThrough();
  req.pipe(body);
  req.once('error', (error) => body.destroy(error));
  req.once('close', () => {
    if (!req.complete) body.destroy(new Error('the client disconnected before sending the whole body'));
  });
  return body;
}

export async function startLocalRunner({ port = 7071, host = '127.0.0.1', queues = true, timers = true, https }: LocalRunnerOptions = {}): Promise<LocalRunner> {
  const registrations = await loadRegistrations();
  const prefix = routePrefix();
  const routes = new Map(registrations.http.map((r) => [`/${prefix}/${r.route ?? r.name}`.toLowerCase(), r]));
  let invocations = 0;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    // A body the handler did not read (refused before reading it) is not drained: the connection is closed after
    // the answer, so an unauthenticated 30 MB post costs the relay nothing but the answer.
    res.once('finish', () => {
      if (!req.complete) req.destroy();
    });
    void (async () => {
      // Not new URL(req.url, base): a path starting with // would be read as a host name.
      const url = new URL(`http://${req.headers.host ?? `${host}:${port}`}${req.url ?? '/'}`);
      url.pathname = url.pathname.replace(/\/{2,}/g, '/');
      const fn = routes.get(routePath(url.pathname));
      if (!fn) return writeResponse(res, { status: 404 });
      const methods = (fn.methods ?? ['GET', 'POST']).map((m) => m.toUpperCase());
      if (!methods.includes((req.method ?? 'GET').toUpperCase())) return writeResponse(res, { status: 405 });
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      const nativeRequest = new Request(url, {
        method: req.method,
        headers: toHeaders(req),
        body: hasBody ? (Readable.toWeb(requestBody(req)) as ReadableStream<Uint8Array>) : undefined,
        duplex: 'half',
      } as RequestInit);
      // nativeRequest is the library's own streaming seam (what the host's HTTP proxy hands the worker).
      const request = new HttpRequest({ nativeRequest } as unknown as ConstructorParameters<typeof HttpRequest>[0]);
      const context = new InvocationContext({ functionName: fn.name, invocationId: `local-${++invocations}` });
      const answer = await fn.handler(request, context);
      if (req.destroyed && !req.complete) return console.debug(`local runner: ${req.method} ${url.pathname}: the client disconnected before the answer`);
      await writeResponse(res, answer ?? { status: 204 }, !req.complete);
    })().catch((error: unknown) => {
      if (req.destroyed || res.destroyed) return console.debug(`local runner: ${req.method} ${req.url}: the client disconnected`);
      console.error('local runner: handler failed:', error instanceof Error ? error.message : error);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  };
  const server = createServer(handle);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const secure = https ? createHttpsServer({ key: https.key, cert: https.cert }, handle) : undefined;
  if (secure && https) {
    await new Promise<void>((resolve, reject) => {
      secure.once('error', reject);
      secure.listen(https.port, host, () => resolve());
    });
  }
  const queueTriggers = queues ? registrations.queue.map((r) => startQueueTrigger(r.name, r)) : [];
  const stopTimers = queues && timers ? startTimers(registrations.timer) : () => undefined;
  return {
    server,
    registrations,
    queueTriggers,
    url: `http://${host}:${address.port}`,
    httpsUrl: secure ? `https://localhost:${(secure.address() as AddressInfo).port}` : undefined,
    close: async () => {
      stopTimers();
      await Promise.all(queueTriggers.map((t) => t.stop()));
      if (secure) {
        secure.closeAllConnections();
        await new Promise<void>((resolve) => secure.close(() => resolve()));
      }
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
