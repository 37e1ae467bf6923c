import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { latencyRecorder, type LoadResult, type SenderOptions } from './loadRun';

export interface PacedOptions<T> extends SenderOptions<T> {
  /** Aggregate offered load, operations per second, shared evenly between the senders. */
  ratePerSec: number;
  /** Senders stop starting operations after this long; the ones in flight are awaited. */
  durationMs: number;
}

export interface PacedResult extends LoadResult {
  /** Operations sent after their slot because the sender's previous one was still unanswered at that slot. */
  late: number;
}

/**
 * `concurrency` open-loop senders, each on its own fixed schedule (one slot every concurrency / rate seconds,
 * starting at a random phase so the senders do not fire in bursts). A sender sends at its slot, or at once if its
 * previous operation was answered after that slot (counted as late); the schedule does not slip, so a late
 * sender catches up. Unlike loadRun, the offered load does not depend on how fast answers come back, so both
 * sides of a comparison see the same rate as long as neither is saturated (late stays near 0).
 */
export async function pacedRun<T>(o: PacedOptions<T>): Promise<PacedResult> {
  const intervalMs = (o.concurrency * 1000) / o.ratePerSec;
  const recorder = latencyRecorder(o);
  let late = 0;
  let next = 0;
  const start = performance.now();
  const end = start + o.durationMs;

  async function sender(): Promise<void> {
    // When the sender's previous operation was answered; late means after the slot of the next one.
    let answeredAt = -Infinity;
    for (let slot = start + Math.random() * intervalMs; slot < end; slot += intervalMs) {
      if (answeredAt > slot) late++;
      const wait = slot - performance.now();
      if (wait > 0) await sleep(wait);
      await recorder.timeOne(next++);
      answeredAt = performance.now();
    }
  }

  await Promise.all(Array.from({ length: o.concurrency }, sender));
  return { ...recorder.result(start), late };
}
