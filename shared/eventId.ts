import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so the same record always serialises the same way. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/**
 * A deterministic, GUID-shaped id for a record: SHA-256 over workspace, Log-Type and the record's canonical JSON.
 * At-least-once delivery can write a row twice; queries drop the copies by this id (see docs/deduplication.md).
 */
export function eventId(workspaceId: string, logType: string, record: unknown): string {
  const h = createHash('sha256').update(workspaceId).update('\0').update(logType).update('\0').update(canonicalJson(record)).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
