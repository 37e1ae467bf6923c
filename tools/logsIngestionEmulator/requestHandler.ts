import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseKeepingNumberForms } from './numberForms';
import { setTimeout as delay } from 'node:timers/promises';
import { sendError, sendJson, sendNoContent } from './answers';
import { checkAuthorization } from './authorization';
import { faultAnswer } from './faultAnswers';
import type { FaultInjector } from './faults';
import { CONTENT_LIMIT_MESSAGE, INVALID_API_VERSION, MAX_CONTENT_BYTES, SUPPORTED_API_VERSIONS } from './limits';
import { readRequestBody } from './requestBody';
import type { StatsRecorder } from './stats';
import type { RowStore } from './storage';
import type { StreamSchema } from './streams';
import { validateRows } from './validation';

export interface HandlerContext {
  /** DCR immutable id → the stream names it declares. */
  dcrs: ReadonlyMap<string, ReadonlySet<string>>;
  schemas: ReadonlyMap<string, StreamSchema>;
  audience: string;
  faults: FaultInjector;
  stats: StatsRecorder;
  store: RowStore;
  replaceStaleTimeGenerated: boolean;
  /** Aborted on close, so `slow` answers do not keep the process alive. */
  closing: AbortSignal;
}

const INGEST_ROUTE = /^\/dataCollectionRules\/([^/]+)\/streams\/([^/]+)\/?$/i;
const STATS_ROUTE = /^\/_emulator\/stats\/?$/;
const ROWS_ROUTE = /^\/_emulator\/rows\/([^/]+)\/?$/;

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * Emulator-only GET routes (no token) so a separate process, such as the benchmark next to `npm start`, can read
 * the counters and rows. Their paths cannot collide with the service's /dataCollectionRules routes.
 */
async function handleInspection(req: IncomingMessage, res: ServerResponse, path: string, ctx: HandlerContext): Promise<boolean> {
  if (req.method !== 'GET') return false;
  if (STATS_ROUTE.test(path)) {
    sendJson(res, 200, ctx.stats.snapshot());
    return true;
  }
  const rows = ROWS_ROUTE.exec(path);
  const stream = rows?.[1] === undefined ? undefined : decodeSegment(rows[1]);
  if (stream === undefined) return false;
  if (!ctx.schemas.has(stream)) sendError(res, 404, 'NotFound', `Stream '${stream}' is not declared on this emulator.`);
  else sendJson(res, 200, await ctx.store.read(stream));
  return true;
}

/**
 * One call, in the order the service checks it: route, method, api-version, token, DCR and stream, then (after a
 * possible injected fault) the body: size, encoding, JSON array, and finally storage of what fits the stream.
 * An injected failure is decided before the body is looked at, so a failed call never stores anything.
 */
export async function handleRequest(req: IncomingMessage, res: ServerResponse, ctx: HandlerContext): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://emulator.invalid');
  if (await handleInspection(req, res, url.pathname, ctx)) return;

  const route = INGEST_ROUTE.exec(url.pathname);
  const dcrId = route?.[1] === undefined ? undefined : decodeSegment(route[1]);
  const stream = route?.[2] === undefined ? undefined : decodeSegment(route[2]);
  if (dcrId === undefined || stream === undefined) {
    req.resume();
    return sendError(res, 404, 'NotFound', `No such resource: ${url.pathname}`);
  }

  const { stats } = ctx;
  stats.call();
  const fail = (status: number, code: string, message: string, headers?: Record<string, string>) => {
    stats.response(status);
    req.resume(); // discard any unread body so the connection can be reused
    sendError(res, status, code, message, headers);
  };

  if (req.method !== 'POST') return fail(405, 'MethodNotAllowed', `${req.method} is not supported; use POST.`, { allow: 'POST' });

  // URLSearchParams decodes names too, so the SDK's `api%2Dversion` is found as `api-version`.
  const apiVersion = url.searchParams.get('api-version');
  if (apiVersion === null) {
    return fail(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
  }
  if (!SUPPORTED_API_VERSIONS.includes(apiVersion)) return fail(400, INVALID_API_VERSION.code, INVALID_API_VERSION.message);

  const auth = checkAuthorization(req.headers, ctx.audience, Date.now());
  if (!auth.ok) return fail(401, 'InvalidToken', auth.message, { 'www-authenticate': 'Bearer error="invalid_token"' });

  const streams = ctx.dcrs.get(dcrId);
  if (!streams) return fail(404, 'NotFound', `Data collection rule with immutable Id '${dcrId}' not found.`);
  const schema = streams.has(stream) ? ctx.schemas.get(stream) : undefined;
  if (!schema) return fail(404, 'NotFound', `Stream '${stream}' is not declared in data collection rule '${dcrId}'.`);

  const fault = ctx.faults.next();
  if (fault !== undefined) stats.fault(fault);
  if (fault === 'reset') {
    stats.response('reset');
    req.socket.destroy();
    return;
  }
  if (fault !== undefined && fault !== 'slow') {
    // Read (and drop) the body first, so the client sees the answer instead of a broken pipe.
    await readRequestBody(req, MAX_CONTENT_BYTES);
    const answer = faultAnswer(fault, dcrId);
    return fail(answer.status, answer.code, answer.message, answer.headers);
  }

  const body = await readRequestBody(req, MAX_CONTENT_BYTES);
  if (body.kind === 'tooLarge') return fail(413, 'ContentLengthLimitExceeded', CONTENT_LIMIT_MESSAGE);
  if (body.kind === 'badEncoding') return fail(400, 'InvalidContentEncoding', body.message);

  let parsed: unknown;
  try {
    // A UTF-8 byte order mark is tolerated, as .NET services do.
    parsed = parseKeepingNumberForms(body.body.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (error) {
    return fail(400, 'InvalidPayload', `The body is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) {
    // Stricter than the service, which answers 204 to a bare object and silently drops it: here that relay bug is loud.
    return fail(400, 'InvalidPayload', 'The body must be a JSON array of objects (the service would silently drop anything else).');
  }
  const records: Record<string, unknown>[] = [];
  for (const item of parsed as unknown[]) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      return fail(400, 'InvalidPayload', 'Every element of the body array must be a JSON object.');
    }
    records.push(item as Record<string, unknown>);
  }

  const { rows, losses } = validateRows(schema, records, { now: Date.now(), replaceStaleTimeGenerated: ctx.replaceStaleTimeGenerated });
  ctx.store.append(stream, rows);
  stats.accepted(stream, rows.length, body.body.length, body.gzip, losses);
  stats.response(204);
  if (fault === 'slow') {
    // Stored already: a client that gives up during the delay and retries will create duplicates, as in Azure.
    await delay(ctx.faults.current.slowMs, undefined, { signal: ctx.closing });
  }
  sendNoContent(res);
}
