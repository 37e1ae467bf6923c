import { randomUUID } from 'node:crypto';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { Handoff } from './handoff';
import { accepted, refused } from './httpAnswers';
import { bodyToValues } from './jsonBody';
import { invalidAuthorization } from './legacyError';
import { checkLegacyHead } from './legacyRequestHead';
import { readCappedBody } from './requestBody';
import { validateRecords } from './recordValidation';
import type { Settings } from './settings';
import { verifySignature } from './sharedKey';

export interface IngestDeps {
  settings: Settings;
  handoff: Handoff;
  now?: () => Date;
}

export type HttpHandlerFn = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/** POST /api/logs: the retired HTTP Data Collector API's contract, answered the way the real service did. */
export function createLegacyLogsHandler({ settings, handoff, now = () => new Date() }: IngestDeps): HttpHandlerFn {
  return async (request, context) => {
    const requestId = randomUUID();
    try {
      const receivedAt = now();
      // Cheap checks first: an unauthenticated caller never gets the relay to buffer a body.
      const head = checkLegacyHead(new URL(request.url), request.headers, settings, receivedAt);
      const body = await readCappedBody(request.body, head.declaredLength);
      const keys = head.workspace.secondaryKey ? [head.workspace.primaryKey, head.workspace.secondaryKey] : [head.workspace.primaryKey];
      if (!verifySignature(head.signature, keys, body.length, head.signedContentTypes, head.date)) {
        throw invalidAuthorization('An invalid signature was specified in the Authorization header');
      }
      const { records, shape } = validateRecords(head.logType, bodyToValues(body, 'json'));
      // Vector's health check posts [] and expects success; there is nothing to keep.
      if (records.length === 0) return accepted(requestId);
      await handoff.enqueue(
        {
          requestId,
          door: 'legacy',
          workspaceId: head.workspace.id,
          logType: head.logType,
          receivedAt: receivedAt.toISOString(),
          timeGeneratedField: head.timeGeneratedField,
          resourceId: head.resourceId,
          shape,
          recordCount: records.length,
        },
        body,
        'json',
      );
      return accepted(requestId);
    } catch (error) {
      return refused(error, requestId, context, 'legacy');
    }
  };
}
