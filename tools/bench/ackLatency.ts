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

/** Both sides against one Azurite and one relay process; replaced whole when Azurite is restarted. */
interface Rig {
  sides: { bare: AckSide; relay: AckSide };
  pids: { relay?: number; azurite?: number };
  stop(): Promise<void>;
}

/** The rig in use and how to replace it (a fresh Azurite, a relay process on it, warmed up). */
interface Rigs {
  current: Rig;
  restart(): Promise<void>;
}

/**
 * Runs `run` for bare and relay in alternating rounds (bare, relay, bare, relay...) so drift in the machine's
 * load hits both sides alike. Each side's queue is counted and emptied after its round, so every round starts
 * against an Azurite holding the same data. A round in which Azurite's CPU per write is abnormal, or that misses its
 * deadline (`roundMs` + ROUND_GRACE_MS: Azurite stalled), runs again on a fresh Azurite (and relay), at most
 * MAX_RERUNS times; after that it is kept (a stalled one as cost Infinity) and the report says the comparison is not
 * meaningful.
 */
async function alternating(rigs: Rigs, rounds: number, roundMs: number, check: AzuriteCostCheck, run: Runner): Promise<AckPair> {
  const results = { bare: [] as SideResult[], relay: [] as SideResult[] };
  const costs: RoundCost[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const name of ['bare', 'relay'] as const) {
      for (let rerun = 0; ; rerun++) {
        const { sides, pids } = rigs.current;
        const side = sides[name];
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
          if (rerun >= MAX_RERUNS) {
            console.log(`  ${error.message} (${who}): kept as not meaningful`);
            costs.push({ side: name, round, msPerOp: Number.POSITIVE_INFINITY, stalled: true });
            await rigs.restart();
            break;
          }
          check.reruns++;
          console.log(`  ${error.message} (${who}): restarting Azurite and the relay, running the round again (${rerun + 1} of at most ${MAX_RERUNS})`);
          await rigs.restart();
          continue;
        }
        const cost = { side: name, round, msPerOp: azuriteMsPerOp(measured) };
        if (check.isAbnormal(cost.msPerOp) && rerun < MAX_RERUNS) {
          check.reruns++;
          console.log(`  ${check.describe(cost)}: abnormal, restarting Azurite and the relay, running the round again (${rerun + 1} of at most ${MAX_RERUNS})`);
          await rigs.restart();
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
export async function measureAckLatency(
  first: AzuriteTarget,
  /** Stops the Azurite in use and starts a fresh one (the caller owns both). */
  restartAzurite: () => Promise<AzuriteTarget>,
  bodies: Buffer[],
  o: AckOptions,
): Promise<AckResult> {
  const texts = await relayMessageTexts(bodies);
  const closedLoop = (maxOps: number, maxMs: number) => (side: AckSide) =>
    loadRun({ concurrency: o.concurrency, maxOps, maxMs, prepare: side.prepare, send: (go) => go() });

  /** A relay process on `azurite`, both sides, warmed up: keep-alive connections open, the relay's queue created, JITs warm. */
  async function startRig(azurite: AzuriteTarget): Promise<Rig> {
    const { connectionString } = azurite;
    const relay = await startRelayProcess(relayEnv(connectionString, RELAY_QUEUE, `${RELAY_QUEUE}-payloads`));
    const agent = keepAliveAgent(o.concurrency);
    const stop = async () => {
      agent.destroy();
      await relay.stop();
    };
    const sides = {
      bare: bareSide(queueClient(connectionString, BARE_QUEUE), texts),
      relay: relaySide(queueClient(connectionString, RELAY_QUEUE), relay.url, bodies, agent),
    };
    try {
      await withDeadline(
        (async () => {
          for (const side of Object.values(sides)) await drained(side.queue);
          for (const side of Object.values(sides)) await closedLoop(o.warmupOps, o.saturated.maxMs)(side);
          for (const side of Object.values(sides)) await drained(side.queue);
        })(),
        2 * o.saturated.maxMs + ROUND_GRACE_MS,
        'the warm-up',
      );
    } catch (error) {
      await stop();
      throw error;
    }
    return { sides, pids: { relay: relay.pid, azurite: azurite.pid }, stop };
  }

  const rigs: Rigs = {
    current: await startRig(first),
    async restart() {
      await rigs.current.stop();
      rigs.current = await startRig(await restartAzurite());
    },
  };
  try {
    const check = await withDeadline(
      calibrate(rigs.current.sides.bare, o.concurrency, first.pid, o.saturated.maxMs),
      o.saturated.maxMs + ROUND_GRACE_MS,
      'the calibration',
    );
    const { ratePerSec, durationMs } = o.paced;
    const paced = await alternating(rigs, o.paced.rounds, durationMs, check, (side) =>
      pacedRun({ concurrency: o.concurrency, ratePerSec, durationMs, prepare: side.prepare, send: (go) => go() }),
    );
    const { maxOps, maxMs, rounds } = o.saturated;
    const saturated = await alternating(rigs, rounds, maxMs / rounds, check, closedLoop(Math.ceil(maxOps / rounds), maxMs / rounds));

    return { paced, saturated, messageChars: texts.reduce((n, t) => n + t.length, 0) / texts.length, azurite: check };
  } finally {
    await rigs.current.stop();
  }
}
