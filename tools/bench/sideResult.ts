import type { LoadResult } from './loadRun';
import { machineCpuMs, processCpuMs } from './processCpu';

/** One side (bare queue writes, or relay posts) of the ack-latency comparison, possibly summed over rounds. */
export interface SideResult extends LoadResult {
  /** Sum of approximateMessagesCount of the side's queue after each of its rounds (emptied before each). */
  queued: number;
  /** Paced runs only: sends that went out after their slot (see pacedRun). */
  late?: number;
  /** CPU the senders (this process), the relay process and Azurite used in the side's rounds (ms; /proc only). */
  senderCpuMs?: number;
  relayCpuMs?: number;
  azuriteCpuMs?: number;
  /** CPU every other process on the machine used meanwhile (ms; /proc only): competition for the same cores. */
  otherCpuMs?: number;
}

const sum = (values: Array<number | undefined>) =>
  values.some((v) => v === undefined) ? undefined : values.reduce<number>((n, v) => n + v!, 0);

/** CPU used by the senders, the relay, Azurite and everything else on the machine while `work` runs. */
export async function withCpu<T>(pids: { relay?: number; azurite?: number }, work: () => Promise<T>) {
  const all = { sender: process.pid, ...pids };
  const read = () => ({
    sender: processCpuMs(all.sender),
    relay: processCpuMs(all.relay),
    azurite: processCpuMs(all.azurite),
    machine: machineCpuMs(),
  });
  const before = read();
  const result = await work();
  const after = read();
  const delta = (name: keyof typeof before) => {
    const end = after[name];
    const start = before[name];
    return end === undefined || start === undefined ? undefined : end - start;
  };
  const ours = sum([delta('sender'), delta('relay'), delta('azurite')]);
  const machine = delta('machine');
  return {
    result,
    senderCpuMs: delta('sender'),
    relayCpuMs: delta('relay'),
    azuriteCpuMs: delta('azurite'),
    // Ticks are sampled separately per process and for the machine: clamp the small negative noise to 0.
    otherCpuMs: ours === undefined || machine === undefined ? undefined : Math.max(0, machine - ours),
  };
}

export function merged(rounds: SideResult[]): SideResult {
  return {
    latencies: rounds.flatMap((r) => r.latencies).sort((a, b) => a - b),
    failures: rounds.reduce((n, r) => n + r.failures, 0),
    firstFailure: rounds.find((r) => r.firstFailure)?.firstFailure,
    elapsedMs: rounds.reduce((n, r) => n + r.elapsedMs, 0),
    queued: rounds.reduce((n, r) => n + r.queued, 0),
    late: sum(rounds.map((r) => r.late)),
    senderCpuMs: sum(rounds.map((r) => r.senderCpuMs)),
    relayCpuMs: sum(rounds.map((r) => r.relayCpuMs)),
    azuriteCpuMs: sum(rounds.map((r) => r.azuriteCpuMs)),
    otherCpuMs: sum(rounds.map((r) => r.otherCpuMs)),
  };
}
