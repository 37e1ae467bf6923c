import { readFileSync } from 'node:fs';

/** Linux's USER_HZ, the unit of /proc CPU times: 100 on every mainstream kernel build. */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, ms, 10 ms resolution) another process has used so far, from /proc/<pid>/stat;
 * undefined off Linux or once the process is gone. Lets the bench say where the CPU of a post went
 * (relay process vs Azurite) without instrumenting either.
 */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may contain spaces: count fields from after it (state is field 3).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[14 - 3]);
    const stime = Number(fields[15 - 3]);
    return Number.isFinite(utime + stime) ? ((utime + stime) * 1000) / TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU time (ms) all processes on the machine have used so far (every core, idle and iowait excluded), from
 * /proc/stat; undefined off Linux. What exceeds the bench's own processes over a run is other load on the
 * machine competing for the same cores, which the latencies then include.
 */
export function machineCpuMs(): number | undefined {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
    const busy = user! + nice! + system! + irq! + softirq! + (steal ?? 0);
    return Number.isFinite(busy) ? (busy * 1000) / TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}
