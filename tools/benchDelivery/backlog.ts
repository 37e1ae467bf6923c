import { randomUUID } from 'node:crypto';
import { createStorageHandoff } from '../../shared/handoff/handoff';
import { bodyToValues } from '../../shared/ingest/jsonBody';
import { eventId } from '../../shared/mapping/eventId';
import { recordTexts } from '../../shared/mapping/recordTexts';
import { KEEPER_LOG_TYPE, validateRecords } from '../../shared/ingest/recordValidation';
import { createStorageClients } from '../../shared/handoff/storageClients';
import { withDeadline } from '../bench/azuriteCost';

/**
 * A backlog: Keeper posts turned into queue messages by the relay's own hand-off, with the meta the legacy door
 * (shared/ingest/legacyIngest.ts) gives them, so the worker drains exactly what the HTTP door would have written —
 * Brotli-compressed inline envelopes, or claim-check blobs over 64 KiB — without paying for HTTP and signatures.
 *
 * What must arrive is known twice over: by each event's relay_event_id (shared/mapping/eventId.ts), and by its
 * fingerprint (its own fields as the Sentinel row keeps them, plus the bench's `bench_seq` when it has one),
 * counted, so a row lost and another duplicated cannot pass for the right set.
 */

export interface Backlog {
  bodies: Buffer[];
  /** Events of `bodies`: what the measurement counts. */
  events: number;
  /**
   * Posts delivered before the measurement, from a queue of their own (`<queue>-warmup`): the worker's JIT is warm
   * and the modules the delivery core loads lazily are loaded, so the figures are the steady state (cold start has a
   * bench of its own).
   */
  warmup: Buffer[];
  /** Rows the emulator must hold at the end: the events of `bodies` and `warmup`. */
  expectedRows: number;
  /** relay_event_id of every event (bodies and warm-up), as the mapping computes it from the record's text. */
  expectedIds: Set<string>;
  /** Expected rows: fingerprint → how many events have it. */
  fingerprints: Map<string, number>;
  /** Mean bytes of one event as posted (JSON, without the array's commas). */
  bytesPerEvent: number;
}

type Fields = { audit_event?: unknown; username?: unknown; remote_address?: unknown; timestamp?: unknown; bench_seq?: unknown };
const key = (f: Fields, seq: unknown) => `${String(f.audit_event)}|${String(f.username)}|${String(f.remote_address)}|${String(f.timestamp)}|${String(seq ?? '')}`;

/** An event as posted; its `timestamp` is an ISO time with milliseconds, which the row keeps as is. */
export const eventFingerprint = (event: Fields) => key(event, event.bench_seq);
/** A row of the Keeper Sentinel stream: columns, and `bench_seq` in its `data`. */
export const rowFingerprint = (row: Fields & { data?: Fields }) => key(row, row.data?.bench_seq);

export function prepareBacklog(bodies: Buffer[], warmup: Buffer[], workspaceId: string): Backlog {
  const expectedIds = new Set<string>();
  for (const body of [...warmup, ...bodies]) for (const text of recordTexts(body, 'json')) expectedIds.add(eventId(workspaceId, KEEPER_LOG_TYPE, text));
  const fingerprints = new Map<string, number>();
  let events = 0;
  let bytes = 0;
  let warmEvents = 0;
  for (const body of warmup) {
    for (const record of JSON.parse(body.toString('utf8')) as Fields[]) {
      const f = eventFingerprint(record);
      fingerprints.set(f, (fingerprints.get(f) ?? 0) + 1);
      warmEvents++;
    }
  }
  for (const body of bodies) {
    const records = JSON.parse(body.toString('utf8')) as Fields[];
    for (const record of records) {
      const f = eventFingerprint(record);
      fingerprints.set(f, (fingerprints.get(f) ?? 0) + 1);
      events++;
    }
    bytes += body.length - 1 - records.length;
  }
  return { bodies, events, warmup, expectedRows: events + warmEvents, expectedIds, fingerprints, bytesPerEvent: bytes / Math.max(1, events) };
}

/** Per enqueue (compression and one queue write, or a blob upload of up to 30 MB and a queue write). */
const ENQUEUE_DEADLINE_MS = 30_000;
const ENQUEUE_CONCURRENCY = 16;

export const warmupQueueName = (queueName: string) => `${queueName}-warmup`;

/** Enqueues the warm-up posts to their queue, then every body as one message, a few at a time like concurrent senders. */
export async function enqueueBacklog(backlog: Backlog, workspaceId: string, connectionString: string, queueName: string, containerName: string): Promise<void> {
  await enqueueBodies(backlog.warmup, workspaceId, connectionString, warmupQueueName(queueName), containerName);
  await enqueueBodies(backlog.bodies, workspaceId, connectionString, queueName, containerName);
}

/** A stalled write throws StallError. */
async function enqueueBodies(bodies: Buffer[], workspaceId: string, connectionString: string, queueName: string, containerName: string): Promise<void> {
  const handoff = createStorageHandoff(createStorageClients({ connectionString }, queueName, containerName));
  const one = async (body: Buffer) => {
    const { records, shape } = validateRecords(KEEPER_LOG_TYPE, bodyToValues(body, 'json'));
    const meta = { requestId: randomUUID(), door: 'legacy' as const, workspaceId, logType: KEEPER_LOG_TYPE, receivedAt: new Date().toISOString(), shape, recordCount: records.length };
    await withDeadline(handoff.enqueue(meta, body, 'json'), ENQUEUE_DEADLINE_MS, 'enqueueing a backlog message');
  };
  let next = 0;
  const lane = async () => {
    while (next < bodies.length) await one(bodies[next++]!);
  };
  await Promise.all(Array.from({ length: ENQUEUE_CONCURRENCY }, lane));
}
