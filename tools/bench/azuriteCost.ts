import { fmt } from './format';
import type { SideResult } from './sideResult';

/**
 * Whether Azurite's own CPU per queue write was usual in a round of the ack comparison. Both sides' acks wait on
 * Azurite, so a round in which Azurite turns expensive (reported: 30-50x its cost per write in two of four runs)
 * measures Azurite, not the relay, and the relay-minus-bare ratio means nothing.
 *
 * The threshold, from measurements on the shared 2-core machine: in normal runs Azurite's CPU per ~21 KiB
 * sendMessage varied up to 2.4x between rounds (0.91-2.21 ms in one run, 1.6-3.1 ms over ten rounds of another, the
 * cold-JIT first round the dearest); the abnormal rounds seen cost 6.4x (14.2 ms, after which Azurite stalled with
 * requests unread) and, in the issue's runs, 30-50x. ABNORMAL_FACTOR = 5 is twice the normal spread and below every
 * abnormal round seen. The usual cost is the cheapest of a calibration run and every round (a lower bound: an
 * abnormal state only adds CPU), so one abnormal calibration cannot hide the rest.
 */
export const ABNORMAL_FACTOR = 5;

/** Re-runs of one side's round while Azurite stays abnormal; then the round is kept and the report says so. */
export const MAX_RERUNS = 2;

/** Azurite CPU ms per operation of a side's round(s); undefined off Linux (no /proc). */
export function azuriteMsPerOp(side: Pick<SideResult, 'azuriteCpuMs' | 'latencies' | 'failures'>): number | undefined {
  const ops = side.latencies.length + side.failures;
  return side.azuriteCpuMs === undefined || ops === 0 ? undefined : side.azuriteCpuMs / ops;
}

/** A kept round of one side and Azurite's CPU per queue write in it. */
export interface RoundCost {
  side: 'bare' | 'relay';
  round: number;
  /** Infinity for a round that stalled on every attempt. */
  msPerOp: number | undefined;
  stalled?: boolean;
}

/**
 * Tracks the usual cost across a run and judges a round against it. Rounds kept before the usual cost fell are
 * judged again at report time (a calibration that was itself abnormal cannot hide them).
 */
export class AzuriteCostCheck {
  private usual: number | undefined;
  reruns = 0;

  constructor(calibrationMsPerOp: number | undefined) {
    this.usual = calibrationMsPerOp;
  }

  get usualMsPerOp(): number | undefined {
    return this.usual;
  }

  /** True when `msPerOp` is more than ABNORMAL_FACTOR times the usual cost (unknown on either side: not abnormal). */
  isAbnormal(msPerOp: number | undefined): boolean {
    if (msPerOp === undefined || this.usual === undefined) return false;
    return msPerOp > ABNORMAL_FACTOR * this.usual;
  }

  /** Records a kept round's cost; a normal one may lower the usual cost (the minimum: see ABNORMAL_FACTOR). */
  observe(msPerOp: number | undefined): void {
    if (msPerOp !== undefined && !this.isAbnormal(msPerOp)) this.usual = Math.min(this.usual ?? msPerOp, msPerOp);
  }

  /** The line a reader sees when a round was abnormal (during the run, and in the report). */
  describe(r: RoundCost): string {
    if (r.stalled) return `${r.side} round ${r.round + 1} stalled on ${MAX_RERUNS + 1} fresh Azurites in a row`;
    const ms = r.msPerOp ?? 0;
    return (
      `Azurite used ${fmt(ms, 2)} ms of CPU per queue write in ${r.side} round ${r.round + 1}, ` +
      `${fmt(ms / (this.usual ?? ms), 1)}x its usual ${fmt(this.usual ?? 0, 2)} ms (threshold ${ABNORMAL_FACTOR}x)`
    );
  }
}

/** A storage operation or a round that missed its deadline: Azurite stalled (seen once: the ack bench waited forever). */
export class StallError extends Error {}

/** `work`, or a StallError naming `what` once `ms` pass first (the work itself is abandoned, not cancelled). */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StallError(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** A round run under supervision: its result when meaningful, else why not (every attempt's problem). */
export type TrustedRound<T> = { meaningful: true; result: T; attempts: number } | { meaningful: false; problems: string[]; attempts: number };

export interface RoundSupervisor {
  check: AzuriteCostCheck;
  /** Azurite's CPU ms per operation of a small fixed probe, run right after a round (rejects with StallError). */
  probe(): Promise<number | undefined>;
  /** A fresh Azurite (new process, empty storage) for the next attempt. */
  restart(): Promise<void>;
}

/**
 * Runs a round; when it stalls (StallError) or Azurite's cost per operation right after it is abnormal (over
 * ABNORMAL_FACTOR x usual), restarts Azurite and runs it again, at most MAX_RERUNS times; then the round is "not
 * meaningful" rather than a figure. Any other error (for example delivered data that does not check) is thrown.
 */
export async function superviseRound<T>(
  run: () => Promise<T>,
  s: RoundSupervisor,
  say: (line: string) => void,
  /** Azurite's CPU per operation during the round itself, when the round can tell (judged like the probe). */
  inRound?: (result: T) => number | undefined,
): Promise<TrustedRound<T>> {
  const problems: string[] = [];
  for (let attempt = 1; attempt <= MAX_RERUNS + 1; attempt++) {
    let problem: string | undefined;
    try {
      const result = await run();
      const during = inRound?.(result);
      const msPerOp = await s.probe();
      const over = (ms: number | undefined, what: string) =>
        `Azurite used ${fmt(ms ?? 0, 2)} ms of CPU per ${what}, over ${ABNORMAL_FACTOR}x its usual ${fmt(s.check.usualMsPerOp ?? 0, 2)} ms`;
      if (s.check.isAbnormal(during)) {
        problem = over(during, 'operation during the round');
      } else if (s.check.isAbnormal(msPerOp)) {
        problem = over(msPerOp, 'probe operation after the round');
      } else {
        s.check.observe(msPerOp);
        return { meaningful: true, result, attempts: attempt };
      }
    } catch (error) {
      if (!(error instanceof StallError)) throw error;
      // Which one stalled: the probe says whether Azurite still answers (and at what cost).
      const after = await s.probe().then(
        (ms) => `Azurite answers the probe (${fmt(ms ?? 0, 2)} ms per operation), so the measured side stalled`,
        () => 'Azurite does not answer the probe either',
      );
      problem = `${error.message}; ${after}`;
    }
    problems.push(problem);
    say(`  not trusted (attempt ${attempt} of ${MAX_RERUNS + 1}): ${problem}; restarting Azurite`);
    if (attempt <= MAX_RERUNS) s.check.reruns++;
    await s.restart();
  }
  return { meaningful: false, problems, attempts: MAX_RERUNS + 1 };
}
