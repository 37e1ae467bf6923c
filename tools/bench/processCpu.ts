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
