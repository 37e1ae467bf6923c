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

/** The only api-version the 2023-01-01 REST contract defines. */
export const SUPPORTED_API_VERSIONS: readonly string[] = ['2023-01-01'];

/** Public-cloud audience; the relay may be configured for US Government or China instead. */
export const DEFAULT_AUDIENCE = 'https://monitor.azure.com';

/**
 * TimeGenerated window: older than 2 days or more than 1 day ahead is replaced by the receive time in the service.
 */
export const TIME_GENERATED_MAX_AGE_MS = 2 * 24 * 60 * 60 * 1000;
export const TIME_GENERATED_MAX_AHEAD_MS = 24 * 60 * 60 * 1000;
