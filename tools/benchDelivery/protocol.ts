import type { BatcherStats } from '../../shared/delivery/uploadBatcher';

/** Messages between the bench and its delivery worker child (over the fork IPC channel). */
export type WorkerCommand = { type: 'go' };

export type WorkerReport =
  | { type: 'ready' }
  | {
      type: 'done';
      /** From "go" until the last message was deleted from the queue. */
      elapsedMs: number;
      /** The worker's own CPU (user + system) over the same span. */
      cpuMs: number;
      counts: { succeeded: number; failed: number; poisoned: number };
      /** The shared batcher's counters; undefined with one batcher per message. */
      batcher: BatcherStats | undefined;
    }
  | { type: 'error'; message: string };

export type DeliveryMode = 'shared' | 'per-message';
