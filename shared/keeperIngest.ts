import { ingestDoor, type HttpHandlerFn, type IngestDeps } from './ingestDoor';
import { decodeUtf8, parseJsonText, parseNdjsonText } from './jsonBody';
import { convertKeeperExport, declaredExportFormat, detectExportFormat } from './keeperExportFormat';
import { LegacyError } from './legacyError';
import type { BodyFormat } from './queueEnvelope';
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

/** A JSON array, a single event, or NDJSON; a body that is not one JSON value but has several lines is NDJSON. */
function parseKeeperBody(body: Buffer, format: BodyFormat | undefined): { values: unknown[]; format: BodyFormat } {
  const text = decodeUtf8(body);
  if (format === 'ndjson') return { values: parseNdjsonText(text), format };
  try {
    const value = parseJsonText(text);
    return { values: Array.isArray(value) ? value : [value], format: 'json' };
  } catch (error) {
    if (!text.trim().includes('\n')) throw error;
    return { values: parseNdjsonText(text), format: 'ndjson' };
  }
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
    const body = converted?.body ?? received;
    const { values, format } = converted ? { values: converted.records, format: 'ndjson' as const } : parseKeeperBody(body, declared);
    const { records, shape } = validateRecords(KEEPER_LOG_TYPE, values);
    return { body, format, meta: { workspaceId, logType: KEEPER_LOG_TYPE, shape, recordCount: records.length } };
  });
}
