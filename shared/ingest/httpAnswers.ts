import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import { LegacyError } from './legacyError';
import { firstInWindow } from '../operations/logOnce';
import { relayCounters } from '../operations/relayCounters';
import { ClientDisconnected } from './requestBody';

/** Success is 200 with an empty body: Serilog, Logstash, fluentd and Keeper Commander accept nothing else. */
export function accepted(requestId: string): HttpResponseInit {
  return { status: 200, body: '', headers: { 'x-ms-request-id': requestId } };
}

/** Every refusal is the legacy JSON body; anything unexpected becomes a 500 the sender retries, never a stack trace. */
export function refused(error: unknown, requestId: string, context: InvocationContext, door: string): HttpResponseInit {
  if (error instanceof ClientDisconnected) {
    // A sender that gives up mid-body is routine (timeouts, restarts): one debug line, no stack.
    context.debug(`relay: ${door} request ${requestId}: ${error.message}; nothing was accepted`);
    return { status: 400, headers: { 'x-ms-request-id': requestId } };
  }
  const legacy =
    error instanceof LegacyError
      ? error
      : new LegacyError('UnspecifiedError', 'The relay hit an internal error; nothing was accepted, retry later.');
  // Levels an operator can alert on: what the relay must fix is an error, what a sender caused is a warning.
  if (!(error instanceof LegacyError)) {
    context.error(`relay: ${door} request ${requestId} failed unexpectedly`, error instanceof Error ? error.stack : String(error));
  } else if (legacy.status >= 500) {
    // Once a minute per code: an outage fails every request, and the summary line counts them all.
    if (firstInWindow(`${door}|${legacy.code}`)) {
      context.error(`relay: ${door} request ${requestId} answered ${legacy.status} ${legacy.code}: ${legacy.message} (further ${legacy.code} answers this minute are only counted)`);
    }
  } else {
    context.warn(`relay: ${door} request ${requestId} refused ${legacy.status} ${legacy.code}: ${legacy.message}`);
  }
  relayCounters().count('requestsRefused', 1, { door, code: legacy.code, status: String(legacy.status) });
  const headers: Record<string, string> = { 'x-ms-request-id': requestId };
  if (legacy.retryAfterSeconds !== undefined) headers['Retry-After'] = String(legacy.retryAfterSeconds);
  return { status: legacy.status, jsonBody: legacy.body, headers };
}
