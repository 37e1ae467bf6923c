import { randomBytes } from 'node:crypto';
import { BodySyntaxError, checkBody } from '../handoff/bodyRecords';
import { ingestDoor, type HttpHandlerFn, type IngestDeps } from './ingestDoor';
import { invalidAuthorization } from './legacyError';
import { checkLegacyHead, type LegacyRequestHead } from './legacyRequestHead';
import { readCappedBody } from './requestBody';
import { verifySignature } from './sharedKey';

/** Keys no sender has: an unserved workspace's signature is checked against them, so it costs the same HMACs. */
const STAND_IN_KEYS = [randomBytes(64), randomBytes(64)] as const;

/**
 * Throws the one 403 every unauthenticated request gets, whether the workspace is unserved or the key is wrong:
 * same body, same number of HMACs (two keys, each accepted Content-Type spelling).
 */
function authenticate(head: LegacyRequestHead, contentLength: number): void {
  const keys = head.workspace ? [head.workspace.primaryKey, head.workspace.secondaryKey ?? STAND_IN_KEYS[1]] : STAND_IN_KEYS;
  const valid = verifySignature(head.signature, keys, contentLength, head.signedContentTypes, head.date);
  if (!valid || !head.workspace) throw invalidAuthorization('An invalid signature was specified in the Authorization header');
}

/**
 * POST /api/logs: the retired HTTP Data Collector API's contract, answered the way the real service did.
 * The SharedKey signature covers the method, declared Content-Length, Content-Type, x-ms-date and path, not the
 * body (../shared/reference/legacy-api.md), so a request that declares its length is authenticated before a single
 * body byte is read; one without a declared length is read up to the 30 MB cap and authenticated then.
 */
export function createLegacyLogsHandler(deps: IngestDeps): HttpHandlerFn {
  return ingestDoor('legacy', deps, async (request, receivedAt) => {
    const head = checkLegacyHead(new URL(request.url), request.headers, deps.settings, receivedAt);
    if (head.declaredLength !== undefined) authenticate(head, head.declaredLength);
    const body = await readCappedBody(request.body, head.declaredLength);
    if (head.declaredLength === undefined) authenticate(head, body.length);
    const { recordCount, shape } = await checkBody(body, 'json', head.logType).catch((error: unknown) => {
      throw error instanceof BodySyntaxError ? error.answer : error;
    });
    return {
      body,
      format: 'json',
      meta: {
        workspaceId: head.workspaceId,
        logType: head.logType,
        timeGeneratedField: head.timeGeneratedField,
        resourceId: head.resourceId,
        shape,
        recordCount,
      },
    };
  });
}
