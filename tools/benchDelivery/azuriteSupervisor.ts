import { QueueServiceClient } from '@azure/storage-queue';
import { startAzurite, type RunningAzurite } from '../azurite';
import { AzuriteCostCheck, withDeadline, type RoundSupervisor } from '../bench/azuriteCost';
import { cpuSince, processCpuMs } from './processCpu';

/**
 * The bench's Azurite, watched: every round is followed by a small fixed probe (PROBE_OPS queue writes of 1 KiB)
 * whose Azurite CPU per operation is judged against the usual cost (tools/bench/azuriteCost.ts), and a stalled or
 * abnormal Azurite is replaced by a fresh one. Rounds read `current()` each time: a restart changes the ports.
 */

const PROBE_OPS = 120;
const PROBE_CONCURRENCY = 8;
/** A probe of 120 small writes takes well under a second; 15 s means Azurite stopped answering. */
const PROBE_DEADLINE_MS = 15_000;

export interface AzuriteSupervisor extends RoundSupervisor {
  current(): RunningAzurite;
  stop(): Promise<void>;
  /** The calibration probes' costs (ms per operation), for the report. */
  calibration: Array<number | undefined>;
}

async function probeOnce(azurite: RunningAzurite, n: number): Promise<number | undefined> {
  const queue = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient(`bench-probe-${n}`);
  await withDeadline(queue.createIfNotExists(), PROBE_DEADLINE_MS, 'Azurite probe (create queue)');
  const text = 'p'.repeat(1024);
  const before = processCpuMs(azurite.process.pid);
  const work = (async () => {
    let next = 0;
    const lane = async () => {
      while (next++ < PROBE_OPS) await queue.sendMessage(text, { messageTimeToLive: 60 });
    };
    await Promise.all(Array.from({ length: PROBE_CONCURRENCY }, lane));
  })();
  await withDeadline(work, PROBE_DEADLINE_MS, `Azurite probe (${PROBE_OPS} queue writes)`);
  const cpu = cpuSince(azurite.process.pid, before);
  await withDeadline(queue.delete(), PROBE_DEADLINE_MS, 'Azurite probe (delete queue)');
  return cpu === undefined ? undefined : cpu / PROBE_OPS;
}

/** Starts Azurite and calibrates its usual cost per operation (the cheapest of two probes: the first is cold). */
export async function superviseAzurite(): Promise<AzuriteSupervisor> {
  let azurite = await startAzurite();
  let probes = 0;
  const calibration = [await probeOnce(azurite, probes++), await probeOnce(azurite, probes++)];
  const known = calibration.filter((c): c is number => c !== undefined);
  const check = new AzuriteCostCheck(known.length > 0 ? Math.min(...known) : undefined);
  return {
    check,
    calibration,
    current: () => azurite,
    probe: () => probeOnce(azurite, probes++),
    async restart() {
      await azurite.stop();
      azurite = await startAzurite();
    },
    stop: () => azurite.stop(),
  };
}
