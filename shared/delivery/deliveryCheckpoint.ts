import type { ContainerClient } from '@azure/storage-blob';
import type { Envelope } from '../handoff/queueEnvelope';

/**
 * How far delivery got with a message, kept across restarts and redeliveries: a zero-byte blob per request
 * (`checkpoints/<yyyy>/<mm>/<dd>/<requestId>` in the relay's container) whose metadata holds the number of leading
 * records every route has accepted, and whether the message is complete. A restarted or redelivered message resumes
 * after those records instead of sending them again, and one redelivered after full delivery (its claim-check blob
 * already deleted) is recognised as done rather than poisoned. Keyed by request id, so a deferred copy of the message
 * (a new queue message) continues the same count. Markers are a few hundred bytes each; a lifecycle rule on the
 * `checkpoints/` prefix may delete them after some days (a redelivery comes within the message's lease).
 */

export interface Checkpoint {
  recordsDone: number;
  complete: boolean;
}

/** Messages small enough to redo cheaply carry no checkpoint: no storage call on the common path. */
export const CHECKPOINT_MIN_RECORDS = 5_000;

export function usesCheckpoint(envelope: Envelope): boolean {
  // A parked envelope may reach the queue twice (parkedEnvelopes.ts): its checkpoint makes the second copy a no-op.
  return envelope.payload.kind === 'blob' || envelope.recordCount >= CHECKPOINT_MIN_RECORDS || envelope.parked === true;
}

function checkpointName(envelope: Pick<Envelope, 'receivedAt' | 'requestId'>): string {
  return `checkpoints/${envelope.receivedAt.slice(0, 10).replace(/-/g, '/')}/${envelope.requestId}`;
}

export interface CheckpointStore {
  read(envelope: Envelope): Promise<Checkpoint>;
  write(envelope: Envelope, checkpoint: Checkpoint): Promise<void>;
}

export function blobCheckpoints(container: ContainerClient): CheckpointStore {
  return {
    async read(envelope) {
      try {
        const { metadata = {} } = await container.getBlobClient(checkpointName(envelope)).getProperties();
        const recordsDone = Number(metadata.recordsdone ?? 0);
        return { recordsDone: Number.isSafeInteger(recordsDone) && recordsDone > 0 ? recordsDone : 0, complete: metadata.complete === 'true' };
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return { recordsDone: 0, complete: false };
        throw error;
      }
    },
    async write(envelope, { recordsDone, complete }) {
      await container
        .getBlockBlobClient(checkpointName(envelope))
        .upload('', 0, { metadata: { recordsdone: String(recordsDone), complete: String(complete), requestid: envelope.requestId } });
    },
  };
}
