import type { LoadResult } from './loadRun';
import { processCpuMs } from './processCpu';

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
}

/** CPU used by the senders, the relay and Azurite while `work` runs. */
export async function withCpu<T>(pids: { relay?: number; azurite?: number }, work: () => Promise<T>) {
  const all = { sender: process.pid, ...pids };
  const before = { sender: processCpuMs(all.sender), relay: processCpuMs(all.relay), azurite: processCpuMs(all.azurite) };
  const result = await work();
  const delta = (name: keyof typeof before) => {
    const end = processCpuMs(all[name]);
    const start = before[name];
    return end === undefined || start === undefined ? undefined : end - start;
  };
  return { result, senderCpuMs: delta('sender'), relayCpuMs: delta('relay'), azuriteCpuMs: delta('azurite') };
}

const sum = (values: Array<number | undefined>) =>
  values.some((v) => v === undefined) ? undefined : values.reduce<number>((n, v) => n + v!, 0);

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
  };
}
