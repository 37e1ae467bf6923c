import { isGuid } from './guid';
import { LegacyError, invalidAuthorization } from './legacyError';
import { LOG_TYPE_PATTERN } from '../handoff/queueEnvelope';
import { declaredLength } from './requestBody';
import { parseRfc1123 } from './rfc1123Date';
import type { Settings, Workspace } from '../settings/settings';

export const API_VERSION = '2016-04-01';

/** What the cheap checks learn from a request's URL and headers, before any body byte is read. */
export interface LegacyRequestHead {
  /** Undefined when the relay does not serve the signed workspace: refused only after an HMAC, like a bad signature. */
  workspace: Workspace | undefined;
  workspaceId: string;
  signature: Buffer;
  logType: string;
  /** Content-Type spellings a valid signature may have been made over. */
  signedContentTypes: string[];
  date: string;
  timeGeneratedField?: string;
  resourceId?: string;
  declaredLength?: number;
}

/** An optional header that several senders send empty: empty means absent. */
function optionalHeader(headers: Headers, name: string): string | undefined {
  const value = headers.get(name)?.trim();
  return value ? value : undefined;
}

function checkApiVersion(url: URL): void {
  // Query names arrive percent-encoded from some clients; URLSearchParams decodes them.
  const version = url.searchParams.get('api-version');
  if (version === null || version === '') {
    throw new LegacyError('MissingApiVersion', `The api-version query parameter is missing; use api-version=${API_VERSION}.`);
  }
  if (version !== API_VERSION) {
    throw new LegacyError('InvalidApiVersion', `api-version '${version.slice(0, 40)}' is not supported; use ${API_VERSION}.`);
  }
}

function parseAuthorization(headers: Headers): { workspaceId: string; signature: Buffer } {
  // Ruby clients leave a trailing newline: trim.
  const value = headers.get('authorization')?.trim();
  if (!value) throw invalidAuthorization('The Authorization header is missing; expected SharedKey <workspaceId>:<signature>.');
  const m = /^SharedKey\s+([^:\s]+):(\S+)$/i.exec(value);
  if (!m) throw invalidAuthorization('The Authorization header must be SharedKey <workspaceId>:<signature>.');
  const [, workspaceId, signature] = m;
  if (!isGuid(workspaceId!)) {
    throw new LegacyError('InvalidCustomerId', 'The workspace id in the Authorization header is not a valid workspace id (GUID).');
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature!)) {
    throw invalidAuthorization('An invalid signature was specified in the Authorization header (not base64).');
  }
  return { workspaceId: workspaceId!.toLowerCase(), signature: Buffer.from(signature!, 'base64') };
}

/** Senders that build https://<workspaceId>.<host> put the workspace in the host name: it must be the signed one. */
function checkHostWorkspace(url: URL, workspaceId: string): void {
  const label = url.hostname.split('.')[0] ?? '';
  if (isGuid(label) && label.toLowerCase() !== workspaceId) {
    throw invalidAuthorization(`The host name's workspace id ${label} does not match the workspace id ${workspaceId} in the Authorization header.`);
  }
}

function checkLogType(headers: Headers): string {
  const logType = headers.get('log-type')?.trim();
  if (!logType) throw new LegacyError('MissingLogType', 'The Log-Type header is missing.');
  if (!LOG_TYPE_PATTERN.test(logType)) {
    throw new LegacyError('InvalidLogType', 'The Log-Type header may hold only letters, digits and underscore, at most 100 characters.');
  }
  return logType;
}

function checkContentType(headers: Headers): string[] {
  const raw = headers.get('content-type');
  if (raw === null || raw.trim() === '') throw new LegacyError('MissingContentType', 'The Content-Type header is missing; use application/json.');
  const [mediaType, ...params] = raw.split(';').map((p) => p.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (mediaType !== 'application/json' || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
    throw new LegacyError('UnsupportedContentType', `Content-Type '${raw.slice(0, 80)}' is not supported; use application/json.`);
  }
  // An old sender sends "; charset=utf-8" but signs without it: both spellings are safe to accept.
  return raw === 'application/json' ? [raw] : [raw, 'application/json'];
}

function checkDate(headers: Headers, now: Date, skewMinutes: number): string {
  const date = headers.get('x-ms-date')?.trim();
  if (!date) throw invalidAuthorization('The x-ms-date header is missing; it is part of the signature.');
  const parsed = parseRfc1123(date);
  if (!parsed) throw invalidAuthorization(`The x-ms-date header '${date.slice(0, 60)}' is not an RFC 1123 date such as Mon, 04 Apr 2016 08:00:00 GMT.`);
  const skewMs = Math.abs(parsed.getTime() - now.getTime());
  if (skewMs > skewMinutes * 60_000) {
    const direction = parsed.getTime() < now.getTime() ? 'in the past' : 'in the future';
    throw invalidAuthorization(
      `The x-ms-date header is ${Math.round(skewMs / 60_000)} minutes ${direction}; the relay accepts ±${skewMinutes} minutes (RELAY_CLOCK_SKEW_MINUTES). Check the sender's clock.`,
    );
  }
  return date;
}

/** The legacy contract's checks that need no body, in the order the relay applies them. */
export function checkLegacyHead(url: URL, headers: Headers, settings: Settings, now: Date): LegacyRequestHead {
  checkApiVersion(url);
  const { workspaceId, signature } = parseAuthorization(headers);
  // An unserved workspace is not refused here: a different answer (or a faster one) would let a caller list the
  // workspaces the relay serves. The signature check refuses it exactly as it refuses a wrong key.
  const workspace = settings.workspaces.find((w) => w.id === workspaceId);
  checkHostWorkspace(url, workspaceId);
  const logType = checkLogType(headers);
  const signedContentTypes = checkContentType(headers);
  const date = checkDate(headers, now, settings.clockSkewMinutes);
  return {
    workspace,
    workspaceId,
    signature,
    logType,
    signedContentTypes,
    date,
    timeGeneratedField: optionalHeader(headers, 'time-generated-field'),
    resourceId: optionalHeader(headers, 'x-ms-azureresourceid'),
    declaredLength: declaredLength(headers.get('content-length')),
  };
}
