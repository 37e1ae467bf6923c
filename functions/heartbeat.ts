import { app, type InvocationContext } from '@azure/functions';
import { heartbeatEnabled, heartbeatSchedule, sendHeartbeat } from '../shared/operations/heartbeat';
import { relayCounters } from '../shared/operations/relayCounters';
import { relayRuntime } from '../shared/settings/relayRuntime';

/** Timer: one heartbeat through the queue and upload path (shared/operations/heartbeat.ts). RELAY_HEARTBEAT=off disables it. */
export async function heartbeat(_timer: unknown, context: InvocationContext): Promise<void> {
  if (!heartbeatEnabled()) return;
  const runtime = relayRuntime();
  try {
    await sendHeartbeat({ storage: runtime.storage, handoff: runtime.handoff, workspaceId: runtime.settings.workspaceIds[0]!, counters: relayCounters() });
  } catch (error) {
    context.error(`relay: heartbeat not sent: ${(error as Error).message} (the missing-heartbeat alert will fire if this persists)`);
  }
}

// The schedule is read from the app settings when the worker starts (NCRONTAB with seconds; default every 5 minutes).
app.timer('heartbeat', { schedule: heartbeatSchedule(), runOnStartup: false, handler: heartbeat });
