import { hash } from 'node:crypto';

/**
 * A deterministic, GUID-shaped id for a record: SHA-256 over the workspace id, the Log-Type and the record's exact
 * JSON text as the sender sent it (the slice of the request body the door split out, never re-serialised).
 *
 * Stability: the same bytes under the same workspace and Log-Type always give the same id, whichever door, route,
 * attempt or relay instance maps them, so a request the relay delivers twice (at-least-once queues) or a sender
 * retries unchanged (fluent-bit, fluentd and Commander resend the same serialised batch) lands with the same ids and
 * queries drop the copies (docs/deduplication.md). A record re-serialised differently (other key order or spacing)
 * gets another id: it is, byte for byte, another record.
 * Collisions: 128 bits of SHA-256, so two different records share an id with probability about n²/2¹²⁹ (for 10¹²
 * records, below 10⁻¹⁴).
 * Cost: one hash over the text; no parse, sort or serialisation (the canonical-JSON id it replaces was a fifth of
 * delivery's CPU).
 */
export function eventId(workspaceId: string, logType: string, recordText: string): string {
  const h = hash('sha256', `${workspaceId}\0${logType}\0${recordText}`, 'hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
