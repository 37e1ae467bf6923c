import { bareSide, counted, drained, queueClient, relayMessageTexts, relaySide, type AckSide } from './ackSides';
import { AzuriteCostCheck, azuriteMsPerOp, MAX_RERUNS, StallError, withDeadline, type RoundCost } from './azuriteCost';
import { relayEnv } from './benchWorkspace';
import { keepAliveAgent } from './httpPost';
import { loadRun, type LoadResult } from './loadRun';
import { pacedRun } from './pacedRun';
import { startRelayProcess } from './relayProcess';
import { merged, withCpu, type SideResult } from './sideResult';

const RELAY_QUEUE = 'bench-relay';
const BARE_QUEUE = 'bench-bare';
/** Closed-loop bare writes after the warm-up that set Azurite's usual CPU per write (azuriteCost.ts). */
const CALIBRATION_OPS = 500;
/** Beyond a round's own length: its queue count and drain, and the slowest normal Azurite seen (a stall waits forever). */
const ROUND_GRACE_MS = 60_000;

export interface AckOptions {
  concurrency: number;
  /** Closed-loop operations per side before anything is measured. */
  warmupOps: number;
  /** The target comparison: a fixed offered rate both sides can sustain. */
  paced: { ratePerSec: number; durationMs: number; rounds: number };
  /** Informational: closed loop, so each side runs at its own capacity. maxOps and maxMs are split between rounds. */
  saturated: { maxOps: number; maxMs: number; rounds: number };
}

export interface AzuriteTarget {
  connectionString: string;
  pid: number | undefined;
}

export interface AckPair {
  bare: SideResult;
  relay: SideResult;
  /** Azurite's CPU per queue write in each kept round of each side. */
  rounds: RoundCost[];
}

export interface AckResult {
  paced: AckPair;
  saturated: AckPair;
  messageChars: number;
  /** Azurite's usual cost per write, and the judge of each round (see azuriteCost.ts). */
  azurite: AzuriteCostCheck;
}

type Runner = (side: AckSide) => Promise<LoadResult>;

/**
 * Runs `run` for bare and relay in alternating rounds (bare, relay, bare, relay...) so drift in the machine's
 * load hits both sides alike. Each side's queue is counted and emptied after its round, so every round starts
 * against an Azurite holding the same data. A round in which Azurite's CPU per write is abnormal is run again, at
 * most MAX_RERUNS times; after that it is kept and the report says the comparison is not meaningful. A round that
 * misses its deadline (`roundMs` + ROUND_GRACE_MS: Azurite stalled) runs again too, and stops the bench with a
 * StallError after MAX_RERUNS instead of waiting forever.
 */
async function alternating(
  sides: { bare: AckSide; relay: AckSide },
  rounds: number,
  roundMs: number,
  pids: { relay?: number; azurite?: number },
  check: AzuriteCostCheck,
  run: Runner,
): Promise<AckPair> {
  const results = { bare: [] as SideResult[], relay: [] as SideResult[] };
  const costs: RoundCost[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const name of ['bare', 'relay'] as const) {
      const side = sides[name];
      for (let rerun = 0; ; rerun++) {
        let measured: SideResult;
        try {
          measured = await withDeadline(
            (async () => {
              const { result, ...cpu } = await withCpu(pids, () => run(side));
              const m = { ...(await counted(side.queue, result)), ...cpu };
              await drained(side.queue);
              return m;
            })(),
            roundMs + ROUND_GRACE_MS,
            `${name} round ${round + 1}`,
          );
        } catch (error) {
          if (!(error instanceof StallError)) throw error;
          // Which one stalled: a bare read of the side's queue says whether Azurite still answers.
          const azuriteAnswers = await withDeadline(side.queue.getProperties(), 10_000, 'a queue read').then(() => true, () => false);
          const who = azuriteAnswers ? 'Azurite answers a bare read, so the relay side stalled' : 'Azurite does not answer a bare read within 10 s';
          if (rerun >= MAX_RERUNS) throw new StallError(`${error.message}; ${who}`);
          check.reruns++;
          console.log(`  ${error.message} (${who}): running the round again (${rerun + 1} of at most ${MAX_RERUNS})`);
          continue;
        }
        const cost = { side: name, round, msPerOp: azuriteMsPerOp(measured) };
        if (check.isAbnormal(cost.msPerOp) && rerun < MAX_RERUNS) {
          check.reruns++;
          console.log(`  ${check.describe(cost)}: abnormal, running the round again (${rerun + 1} of at most ${MAX_RERUNS})`);
          continue;
        }
        results[name].push(measured);
        costs.push(cost);
        check.observe(cost.msPerOp);
        break;
      }
    }
  }
  return { bare: merged(results.bare), relay: merged(results.relay), rounds: costs };
}

/** Azurite's CPU per write over closed-loop bare writes on a warm Azurite: the run's first idea of its usual cost. */
async function calibrate(side: AckSide, concurrency: number, azuritePid: number | undefined, maxMs: number): Promise<AzuriteCostCheck> {
  const { result, azuriteCpuMs } = await withCpu({ azurite: azuritePid }, () =>
    loadRun({ concurrency, maxOps: CALIBRATION_OPS, maxMs, prepare: side.prepare, send: (go) => go() }),
  );
  await drained(side.queue);
  return new AzuriteCostCheck(azuriteMsPerOp({ ...result, azuriteCpuMs }));
}

/**
 * Bare queue writes and relay posts against the same Azurite at the same concurrency, twice: paced at a rate
 * both can sustain (what the relay adds to an ack when the queue, not the CPU, is the limit: the target), then
 * closed loop (each side's saturation capacity on this machine: informational, as the relay spends CPU per post
 * that a bare write does not).
 */
export async function measureAckLatency(azurite: AzuriteTarget, bodies: Buffer[], o: AckOptions): Promise<AckResult> {
  const { connectionString } = azurite;
  const texts = await relayMessageTexts(bodies);
  const relay = await startRelayProcess(relayEnv(connectionString, RELAY_QUEUE, `${RELAY_QUEUE}-payloads`));
  const agent = keepAliveAgent(o.concurrency);
  try {
    const sides = {
      bare: bareSide(queueClient(connectionString, BARE_QUEUE), texts),
      relay: relaySide(queueClient(connectionString, RELAY_QUEUE), relay.url, bodies, agent),
    };
    const pids = { relay: relay.pid, azurite: azurite.pid };
    const closedLoop = (maxOps: number, maxMs: number) => (side: AckSide) =>
      loadRun({ concurrency: o.concurrency, maxOps, maxMs, prepare: side.prepare, send: (go) => go() });

    // Warm-up: opens the keep-alive connections, lets the relay create its queue, and warms both JITs.
    const check = await withDeadline(
      (async () => {
        for (const side of Object.values(sides)) await drained(side.queue);
        for (const side of Object.values(sides)) await closedLoop(o.warmupOps, o.saturated.maxMs)(side);
        for (const side of Object.values(sides)) await drained(side.queue);
        return calibrate(sides.bare, o.concurrency, azurite.pid, o.saturated.maxMs);
      })(),
      3 * o.saturated.maxMs + ROUND_GRACE_MS,
      'the warm-up and calibration',
    );

    const { ratePerSec, durationMs } = o.paced;
    const paced = await alternating(sides, o.paced.rounds, durationMs, pids, check, (side) =>
      pacedRun({ concurrency: o.concurrency, ratePerSec, durationMs, prepare: side.prepare, send: (go) => go() }),
    );
    const { maxOps, maxMs, rounds } = o.saturated;
    const saturated = await alternating(sides, rounds, maxMs / rounds, pids, check, closedLoop(Math.ceil(maxOps / rounds), maxMs / rounds));

    return { paced, saturated, messageChars: texts.reduce((n, t) => n + t.length, 0) / texts.length, azurite: check };
  } finally {
    agent.destroy();
    await relay.stop();
  }
}
