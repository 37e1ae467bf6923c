import { InvocationContext, type TimerFunctionOptions } from '@azure/functions';

/**
 * Timer triggers for the local runner: the NCRONTAB forms the project uses, as a fixed interval
 * (`*\/N * * * * *` every N seconds, `0 *\/N * * * *` every N minutes, `0 0 *\/N * * *` every N hours).
 */
export function scheduleSeconds(schedule: string): number | undefined {
  const [sec, min, hour, ...rest] = schedule.trim().split(/\s+/);
  if (rest.length !== 3 || rest.some((f) => f !== '*')) return undefined;
  const every = (field: string | undefined) => (field === '*' ? 1 : /^\*\/(\d+)$/.exec(field ?? '')?.[1]);
  if (every(sec) && min === '*' && hour === '*') return Number(every(sec));
  if (sec === '0' && every(min) && hour === '*') return Number(every(min)) * 60;
  if (sec === '0' && min === '0' && every(hour)) return Number(every(hour)) * 3600;
  return undefined;
}

/** Starts every timer function; returns the stop function. */
export function startTimers(timers: Array<{ name: string } & TimerFunctionOptions>): () => void {
  const handles: NodeJS.Timeout[] = [];
  let invocation = 0;
  for (const timer of timers) {
    const seconds = scheduleSeconds(timer.schedule);
    if (!seconds) {
      console.warn(`local runner: timer ${timer.name}: schedule '${timer.schedule}' is not one the local runner can run; skipped`);
      continue;
    }
    let running = false;
    handles.push(
      setInterval(() => {
        if (running) return;
        running = true;
        const context = new InvocationContext({ functionName: timer.name, invocationId: `local-timer-${++invocation}` });
        Promise.resolve(timer.handler({ isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: undefined } as never, context))
          .catch((error: unknown) => console.error(`local runner: timer ${timer.name} failed:`, error instanceof Error ? error.message : error))
          .finally(() => (running = false));
      }, seconds * 1000),
    );
  }
  return () => handles.forEach(clearInterval);
}
