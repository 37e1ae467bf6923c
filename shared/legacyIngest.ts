import { ingestDoor, type HttpHandlerFn, type IngestDeps } from './ingestDoor';
import { bodyToValues } from './jsonBody';
import { invalidAuthorization } from './legacyError';
import { checkLegacyHead } from './legacyRequestHead';
import { readCappedBody } from './requestBody';
import { validateRecords } from './recordValidation';
import { verifySignature } from './sharedKey';

/** POST /api/logs: the retired HTTP Data Collector API's contract, answered the way the real service did. */
export function createLegacyLogsHandler(deps: IngestDeps): HttpHandlerFn {
  return ingestDoor('legacy', deps, async (request, receivedAt) => {
    // Cheap checks first: an unauthenticated caller never gets the relay to buffer a body.
    const head = checkLegacyHead(new URL(request.url), request.headers, deps.settings, receivedAt);
    const body = await readCappedBody(request.body, head.declaredLength);
    const keys = head.workspace.secondaryKey ? [head.workspace.primaryKey, head.workspace.secondaryKey] : [head.workspace.primaryKey];
    if (!verifySignature(head.signature, keys, body.length, head.signedContentTypes, head.date)) {
      throw invalidAuthorization('An invalid signature was specified in the Authorization header');
    }
    const { records, shape } = validateRecords(head.logType, bodyToValues(body, 'json'));
    return {
      body,
      format: 'json',
      meta: {
        workspaceId: head.workspace.id,
        logType: head.logType,
        timeGeneratedField: head.timeGeneratedField,
        resourceId: head.resourceId,
        shape,
        recordCount: records.length,
      },
    };
  });
}
