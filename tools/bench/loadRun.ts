import { performance } from 'node:perf_hooks';

/** What every load shape needs: how many senders, and what each operation prepares and sends. */
export interface SenderOptions<T> {
  concurrency: number;
  /** Untimed set-up per operation (signing, picking a body). */
  prepare: (i: number) => T;
  /** The timed operation; a rejection counts as a failure, the run goes on. */
  send: (input: T) => Promise<void>;
}

export interface LoadOptions<T> extends SenderOptions<T> {
  /** Stop after this many operations in total... */
  maxOps: number;
  /** ...or after this long, whichever comes first: keeps the bench bounded on slow machines. */
  maxMs: number;
}

export interface LoadResult {
  /** Latency of each successful operation, ms, sorted ascending. */
  latencies: number[];
  failures: number;
  firstFailure?: string;
  elapsedMs: number;
}

/** `concurrency` closed-loop senders: each sends its next operation as soon as the previous one is answered. */
export async function loadRun<T>(o: LoadOptions<T>): Promise<LoadResult> {
  const recorder = latencyRecorder(o);
  let next = 0;
  const start = performance.now();
  const deadline = start + o.maxMs;

  async function sender(): Promise<void> {
    while (next < o.maxOps && performance.now() < deadline) await recorder.timeOne(next++);
  }

  await Promise.all(Array.from({ length: o.concurrency }, sender));
  return recorder.result(start);
}

/** Times operations one by one and collects their latencies and failures, for any load shape. */
export function latencyRecorder<T>(o: SenderOptions<T>): { timeOne(i: number): Promise<void>; result(start: number): LoadResult } {
  const latencies: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  return {
    async timeOne(i) {
      const input = o.prepare(i);
      const t0 = performance.now();
      try {
        await o.send(input);
        latencies.push(performance.now() - t0);
      } catch (error) {
        failures++;
        firstFailure ??= error instanceof Error ? error.message : String(error);
      }
    },
    result: (start) => ({ latencies: latencies.sort((a, b) => a - b), failures, firstFailure, elapsedMs: performance.now() - start }),
  };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function mean(values: number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}
