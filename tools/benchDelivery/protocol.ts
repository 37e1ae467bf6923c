/** Messages between the bench and its delivery worker child (over the fork IPC channel). */
export type WorkerCommand = { type: 'go' };

/**
 * - trigger: the registered `deliver` function under the local queue trigger (receive, lease, delete: storage SDK
 *   and XML in this process), as `npm start` runs it;
 * - function: the same registered handler called on messages already received into memory, with the host's
 *   concurrency (batchSize, newBatchThreshold); deletes happen after the measurement. Its process CPU is what the
 *   Node worker spends in Azure, where the Functions host (its own process) receives and deletes.
 */
export type DeliveryMode = 'trigger' | 'function';

export type WorkerReport =
  | { type: 'ready' }
  | {
      type: 'done';
      /** From "go" until the last message was delivered (trigger: deleted from the queue). */
      elapsedMs: number;
      /** The worker's own CPU (user + system) over the same span. */
      cpuMs: number;
      /** Peak resident set of the worker process over its life (bytes). */
      maxRssBytes: number;
      counts: { succeeded: number; failed: number; poisoned: number };
    }
  | { type: 'error'; message: string };
