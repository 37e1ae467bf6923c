import { createHash } from 'node:crypto';
import './jsonNumbers';

/** The same object with its keys in sorted order (arrays and scalars unchanged). */
function sortedKeys(_key: string, value: unknown): unknown {
  // Raw JSON numbers (jsonNumbers.ts) serialise as the sender's text.
  if (value === null || typeof value !== 'object' || Array.isArray(value) || JSON.isRawJSON(value)) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = (value as Record<string, unknown>)[key];
  return sorted;
}

/** JSON with object keys sorted at every level, so the same record always serialises the same way. */
export function canonicalJson(value: unknown): string {
  // The native serialiser with a replacer beats building the text by hand.
  return JSON.stringify(value, sortedKeys) ?? 'null';
}

/**
 * A deterministic, GUID-shaped id for a record: SHA-256 over workspace, Log-Type and the record's canonical JSON.
 * At-least-once delivery can write a row twice; queries drop the copies by this id (see docs/deduplication.md).
 */
export function eventId(workspaceId: string, logType: string, record: unknown): string {
  // Several routes map the same parsed record: hash it once.
  const memo = typeof record === 'object' && record !== null ? ids.get(record) : undefined;
  if (memo && memo.workspaceId === workspaceId && memo.logType === logType) return memo.id;
  const h = createHash('sha256').update(workspaceId).update('\0').update(logType).update('\0').update(canonicalJson(record)).digest('hex');
  const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  if (typeof record === 'object' && record !== null) ids.set(record, { workspaceId, logType, id });
  return id;
}

const ids = new WeakMap<object, { workspaceId: string; logType: string; id: string }>();
