import { ingestDoor, type HttpHandlerFn, type IngestDeps } from './ingestDoor';
import { BodySyntaxError, checkBody, type CheckedBody } from '../handoff/bodyRecords';
import { convertKeeperExport, declaredExportFormat, detectExportFormat } from './keeperExportFormat';
import { LegacyError } from './legacyError';
import type { BodyFormat } from '../handoff/queueEnvelope';
import { declaredLength, readCappedBody } from './requestBody';
import { KEEPER_LOG_TYPE, validateRecords } from './recordValidation';

const JSON_TYPES = new Set(['application/json', 'text/json']);
const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/json-seq']);

function declaredFormat(contentType: string | null): BodyFormat | undefined {
  if (contentType === null || contentType.trim() === '') return undefined;
  const media = contentType.split(';')[0]!.trim().toLowerCase();
  if (JSON_TYPES.has(media)) return 'json';
  if (NDJSON_TYPES.has(media)) return 'ndjson';
  if (media === 'text/plain') return undefined;
  throw new LegacyError(
    'UnsupportedContentType',
    `Content-Type '${contentType.slice(0, 80)}' is not supported; use application/json, application/x-ndjson, text/csv or application/x-syslog.`,
  );
}

/**
 * A JSON array, a single event, or NDJSON; a body that is not JSON but has several lines is NDJSON.
 * Checked by bodyRecords: record by record, or in one JSON.parse when small (a bound on memory either way).
 */
async function checkKeeperBody(body: Buffer, format: BodyFormat | undefined): Promise<CheckedBody & { format: BodyFormat }> {
  if (format === 'ndjson') return { ...(await checkBody(body, 'ndjson', KEEPER_LOG_TYPE)), format };
  try {
    return { ...(await checkBody(body, 'json', KEEPER_LOG_TYPE)), format: 'json' };
  } catch (error) {
    if (!(error instanceof BodySyntaxError)) throw error;
    if (!hasInnerNewline(body)) throw error.answer;
    return { ...(await checkBody(body, 'ndjson', KEEPER_LOG_TYPE)), format: 'ndjson' };
  }
}

/** More than one non-blank line (error path only: decodes the body once). */
function hasInnerNewline(body: Buffer): boolean {
  return body.toString('utf8').trim().includes('\n');
}

/** POST /api/keeper/events: raw Keeper events (shapes A, B, C) or a CSV/Syslog export, authenticated by the Functions key. */
export function createKeeperEventsHandler(deps: IngestDeps): HttpHandlerFn {
  // Keeper's own events carry no workspace: they belong to the first workspace the relay serves.
  const workspaceId = deps.settings.workspaceIds[0]!;
  return ingestDoor('keeper', deps, async (request) => {
    const expected = declaredLength(request.headers.get('content-length'));
    const contentType = request.headers.get('content-type');
    const exportFormat = declaredExportFormat(contentType);
    const declared = exportFormat ? undefined : declaredFormat(contentType);
    const received = await readCappedBody(request.body, expected);
    // CSV and Syslog exports are queued as NDJSON of their events (keeperExportFormat.ts).
    const detected = exportFormat ?? (declared ? undefined : detectExportFormat(received));
    const converted = detected ? convertKeeperExport(received, detected) : undefined;
    if (converted) {
      const { records, shape } = validateRecords(KEEPER_LOG_TYPE, converted.records);
      return { body: converted.body, format: 'ndjson', meta: { workspaceId, logType: KEEPER_LOG_TYPE, shape, recordCount: records.length } };
    }
    const { recordCount, shape, format } = await checkKeeperBody(received, declared).catch((error: unknown) => {
      throw error instanceof BodySyntaxError ? error.answer : error;
    });
    return { body: received, format, meta: { workspaceId, logType: KEEPER_LOG_TYPE, shape, recordCount } };
  });
}
