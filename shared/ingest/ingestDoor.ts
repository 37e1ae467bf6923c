import { randomUUID } from 'node:crypto';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { Handoff } from '../handoff/handoff';
import { accepted, refused } from './httpAnswers';
import type { BodyFormat, EnvelopeMeta } from '../handoff/queueEnvelope';
import type { Settings } from '../settings/settings';
import { relayCounters } from '../operations/relayCounters';

export interface IngestDeps {
  settings: Settings;
  handoff: Handoff;
  now?: () => Date;
}

export type HttpHandlerFn = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/** What a door made of a request it accepts: the body as received and the envelope fields it learned. */
export interface AcceptedRequest {
  body: Buffer;
  format: BodyFormat;
  meta: Omit<EnvelopeMeta, 'requestId' | 'door' | 'receivedAt'>;
}

/**
 * The part every door shares: a request id, the durable hand-off of an accepted request (200 only once it is
 * queued, nothing queued for zero records), and the legacy error answer for anything refused.
 */
export function ingestDoor(
  door: EnvelopeMeta['door'],
  { handoff, now = () => new Date() }: IngestDeps,
  read: (request: HttpRequest, receivedAt: Date) => Promise<AcceptedRequest>,
): HttpHandlerFn {
  return async (request, context) => {
    const requestId = randomUUID();
    try {
      const receivedAt = now();
      const { body, format, meta } = await read(request, receivedAt);
      // Vector's health check posts [] and expects success; there is nothing to keep.
      if (meta.recordCount === 0) return accepted(requestId);
      await handoff.enqueue({ ...meta, requestId, door, receivedAt: receivedAt.toISOString() }, body, format);
      countAccepted(door, meta);
      return accepted(requestId);
    } catch (error) {
      return refused(error, requestId, context, door);
    }
  };
}

function countAccepted(door: string, meta: AcceptedRequest['meta']): void {
  const dimensions = { door, logType: meta.logType, workspaceId: meta.workspaceId };
  relayCounters().count('requestsAccepted', 1, dimensions);
  relayCounters().count('recordsAccepted', meta.recordCount, dimensions);
}
