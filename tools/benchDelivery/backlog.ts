import { randomUUID } from 'node:crypto';
import { eventId } from '../../shared/mapping/eventId';
import { createStorageHandoff } from '../../shared/handoff/handoff';
import { bodyToValues } from '../../shared/ingest/jsonBody';
import { recordTexts } from '../../shared/mapping/recordTexts';
import { KEEPER_LOG_TYPE, validateRecords } from '../../shared/ingest/recordValidation';
import { createStorageClients } from '../../shared/handoff/storageClients';

/**
 * The backlog: Keeper posts turned into queue messages by the relay's own hand-off, with the meta the legacy door
 * (shared/ingest/legacyIngest.ts) gives them, so the worker drains exactly what the HTTP door would have written —
 * Brotli-compressed inline envelopes — without paying for HTTP and signatures in the bench.
 */

export interface Backlog {
  bodies: Buffer[];
  /** relay_event_id of every event, as the Sentinel mapping computes it. */
  expectedIds: Set<string>;
  events: number;
}

export function prepareBacklog(bodies: Buffer[], workspaceId: string): Backlog {
  const expectedIds = new Set<string>();
  let events = 0;
  for (const body of bodies) {
    for (const text of recordTexts(body, 'json')) {
      expectedIds.add(eventId(workspaceId, KEEPER_LOG_TYPE, text));
      events++;
    }
  }
  return { bodies, expectedIds, events };
}

/** Enqueues every body as one message; returns the number of messages and how many went via a claim-check blob. */
export async function enqueueBacklog(backlog: Backlog, workspaceId: string, connectionString: string, queueName: string, containerName: string) {
  const handoff = createStorageHandoff(createStorageClients({ connectionString }, queueName, containerName));
  let blobs = 0;
  const one = async (body: Buffer) => {
    const { records, shape } = validateRecords(KEEPER_LOG_TYPE, bodyToValues(body, 'json'));
    const envelope = await handoff.enqueue(
      { requestId: randomUUID(), door: 'legacy', workspaceId, logType: KEEPER_LOG_TYPE, receivedAt: new Date().toISOString(), shape, recordCount: records.length },
      body,
      'json',
    );
    if (envelope.payload.kind === 'blob') blobs++;
  };
  // A few at a time, like concurrent senders; order in the queue does not matter to delivery.
  for (let i = 0; i < backlog.bodies.length; i += 8) await Promise.all(backlog.bodies.slice(i, i + 8).map(one));
  return { messages: backlog.bodies.length, blobs };
}
