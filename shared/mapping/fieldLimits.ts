/**
 * Limits of the Logs Ingestion API (https://learn.microsoft.com/azure/azure-monitor/fundamentals/service-limits#logs-ingestion-api):
 * a field value over 64 KB is truncated, a call over 1 MB is refused (413), and the SDK sends a record larger than
 * its 1,000,000-byte chunk alone, to fail forever. The relay fits rows itself, so every row it builds is accepted.
 */
export const MAX_FIELD_BYTES = 64 * 1024;
/** The SDK's chunk limit (sum of records' JSON bytes), minus room for the comma and the array brackets. */
export const MAX_ROW_BYTES = 1_000_000 - 4096;
/** A row's columns other than its overflow value: the overflow value, written as JSON text, may take 6 bytes a byte. */
export const MAX_ROW_BASE_BYTES = MAX_ROW_BYTES - 6 * MAX_FIELD_BYTES - 16 * 1024;
/** One overflow fragment's JSON, leaving room in the value for the part number, path and event id around it. */
export const MAX_FRAGMENT_BYTES = MAX_FIELD_BYTES - 1024;

const TRUNCATION_MARK = '…[truncated by relay]';

/** A string cut to the byte limit on a character boundary, with a visible mark. */
export function truncateUtf8(value: string, maxBytes: number): string {
  const budget = maxBytes - Buffer.byteLength(TRUNCATION_MARK);
  let cut = Buffer.from(value, 'utf8').subarray(0, budget).toString('utf8');
  // A cut through a multi-byte character decodes to U+FFFD: drop it.
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return cut + TRUNCATION_MARK;
}

/** Cheap first: a string of n UTF-16 units is at most 3n UTF-8 bytes. */
export function overLimit(value: string, maxBytes = MAX_FIELD_BYTES): boolean {
  return value.length * 3 > maxBytes && Buffer.byteLength(value) > maxBytes;
}
