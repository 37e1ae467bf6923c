import { readFileSync } from 'node:fs';

/** CPU time (user + system, ms, 10 ms ticks) of another process so far, from /proc; undefined off Linux. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/** CPU (ms) all processes used so far, every core, idle and iowait excluded, from /proc/stat; undefined off Linux. */
export function machineCpuMs(): number | undefined {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const busy = user! + nice! + system! + irq! + softirq! + (steal ?? 0);
    return Number.isFinite(busy) ? (busy * 1000) / 100 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU (ms) a process used since `before` (a processCpuMs reading); undefined when either is unknown. */
export function cpuSince(pid: number | undefined, before: number | undefined): number | undefined {
  const now = processCpuMs(pid);
  return now === undefined || before === undefined ? undefined : now - before;
}
