/**
 * The service limits the emulator enforces, as documented for the Logs Ingestion API
 * (see shared/reference/logs-ingestion.md). Kept in one place so tests and the relay can quote the same numbers.
 */

/** Maximum content per call, measured on the uncompressed JSON. */
export const MAX_CONTENT_BYTES = 1_048_576;

/** The exact message the service returns with 413 ContentLengthLimitExceeded. */
export const CONTENT_LIMIT_MESSAGE = `Maximum allowed content length: ${MAX_CONTENT_BYTES} bytes (1 MB)`;

/** Field values longer than this (UTF-8 bytes) are truncated by the service, not refused. */
export const MAX_FIELD_BYTES = 65_536;

/**
 * The api-versions the service accepts for an upload: the REST specifications Azure/azure-rest-api-specs
 * `specification/monitor/data-plane/ingestion/stable/2023-01-01/DataCollectionRules.json` (what the SDKs send) and
 * `.../preview/2021-11-01-preview/DataCollectionRules.json` (what older collectors still send), the same operation.
 */
export const SUPPORTED_API_VERSIONS: readonly string[] = ['2021-11-01-preview', '2023-01-01'];

/**
 * The answer to any other api-version: 400 with the service's error shape and this code and message, as the DCR
 * ingestion front end words it (Azure/azure-sdk-for-net#46439, from a metrics-ingestion endpoint listing its own versions).
 */
export const INVALID_API_VERSION = {
  code: 'InvalidApiVersion',
  message: `The api version is invalid. Allowed Api versions: ${SUPPORTED_API_VERSIONS.join(',')}.`,
} as const;

/** Public-cloud audience; the relay may be configured for US Government or China instead. */
export const DEFAULT_AUDIENCE = 'https://monitor.azure.com';

/**
 * TimeGenerated window: older than 2 days or more than 1 day ahead is replaced by the receive time in the service.
 */
export const TIME_GENERATED_MAX_AGE_MS = 2 * 24 * 60 * 60 * 1000;
export const TIME_GENERATED_MAX_AHEAD_MS = 24 * 60 * 60 * 1000;
