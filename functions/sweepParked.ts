import { app, type InvocationContext } from '@azure/functions';
import { SWEEP_PARKED_SCHEDULE, sweepParkedEnvelopes } from '../shared/handoff/parkedEnvelopes';
import { relayRuntime } from '../shared/settings/relayRuntime';

/**
 * Timer: moves requests the hand-off parked as blobs (queue throttled or down) into the queue, a bounded number per
 * run (shared/handoff/parkedEnvelopes.ts). A failure leaves them parked for the next run.
 */
export async function sweepParked(_timer: unknown, context: InvocationContext): Promise<void> {
  const runtime = relayRuntime();
  try {
    const result = await sweepParkedEnvelopes(runtime.storage, { log: (m) => context.warn(m) });
    if (result.moved > 0 || result.unreadable > 0) {
      context.log(`relay: moved ${result.moved} parked request(s) into the queue${result.unreadable ? `, ${result.unreadable} unreadable left parked` : ''}${result.more ? '; more wait for the next run' : ''}`);
    }
  } catch (error) {
    const e = error as { code?: string; statusCode?: number };
    context.warn(`relay: sweeping parked requests failed (${[e.code, e.statusCode].filter(Boolean).join(' ') || 'storage error'}); they stay parked for the next run`);
  }
}

app.timer('sweepParked', { schedule: SWEEP_PARKED_SCHEDULE, runOnStartup: false, handler: sweepParked });
