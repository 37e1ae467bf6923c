import { performance } from 'node:perf_hooks';

export interface LoopResult {
  iterations: number;
  /** Time spent inside `run` only. */
  measuredMs: number;
}

export interface LoopStep<T> {
  /** Untimed per-iteration set-up (e.g. building and signing a request: the sender's and host's work, not ours). */
  prepare: (i: number) => T;
  run: (input: T) => unknown;
}

/**
 * Runs `prepare` then `run` back to back for `warmupMs` (unmeasured: lets V8 optimise and the GC settle), then
 * for about `runMs` more, timing `run` alone. Sequential on purpose: one call at a time gives the cost of one
 * request, not the overlap of many.
 */
export async function timedLoop<T>(step: LoopStep<T>, runMs: number, warmupMs: number): Promise<LoopResult> {
  let i = 0;
  for (const end = performance.now() + warmupMs; performance.now() < end; ) await step.run(step.prepare(i++));
  let iterations = 0;
  let measuredMs = 0;
  for (const end = performance.now() + runMs; performance.now() < end; iterations++) {
    const input = step.prepare(i++);
    const t0 = performance.now();
    await step.run(input);
    measuredMs += performance.now() - t0;
  }
  return { iterations, measuredMs };
}
