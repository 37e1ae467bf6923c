import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import type { Handoff } from '../handoff/handoff';
import { checkHealth } from './health';
import { instanceName } from './instanceStatus';
import { HEARTBEAT_LOG_TYPE } from './metricNames';
import type { RelayCounters } from './relayCounters';
import type { StorageClients } from '../handoff/storageClients';

/**
 * Proof of delivery: one synthetic event per interval, handed to the same queue as a sender's request and delivered
 * by the same queue trigger and upload path into the heartbeat stream (RelayHeartbeat_CL). A missing heartbeat row
 * means the relay is down or stuck; heartbeat rows without customer rows mean the senders went quiet.
 * Each heartbeat also samples the backlog gauges (queue depth, oldest message age, poison depth) as metrics, which
 * the alert rules read.
 */

export { HEARTBEAT_LOG_TYPE };

/** Every 5 minutes (NCRONTAB, seconds first); RELAY_HEARTBEAT_SCHEDULE changes it, RELAY_HEARTBEAT=off turns it off. */
export const DEFAULT_HEARTBEAT_SCHEDULE = '0 */5 * * * *';

export const heartbeatEventSchema = z.object({
  heartbeatId: z.uuid(),
  instance: z.string(),
  sentAt: z.iso.datetime(),
  status: z.enum(['healthy', 'degraded']),
  queueDepth: z.number().int().nonnegative().optional(),
  oldestMessageAgeSeconds: z.number().nonnegative().optional(),
  poisonDepth: z.number().int().nonnegative().optional(),
  problems: z.array(z.string()),
});
export type HeartbeatEvent = z.infer<typeof heartbeatEventSchema>;

export function heartbeatSchedule(env: NodeJS.ProcessEnv = process.env): string {
  return env.RELAY_HEARTBEAT_SCHEDULE?.trim() || DEFAULT_HEARTBEAT_SCHEDULE;
}

export function heartbeatEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return !/^(off|false|0)$/i.test(env.RELAY_HEARTBEAT?.trim() ?? '');
}

export interface HeartbeatDeps {
  storage: StorageClients;
  handoff: Handoff;
  workspaceId: string;
  counters: RelayCounters;
  now?: () => Date;
}

/** Sends one heartbeat: samples health, records the backlog gauges, queues the event. Returns it. */
export async function sendHeartbeat({ storage, handoff, workspaceId, counters, now = () => new Date() }: HeartbeatDeps): Promise<HeartbeatEvent> {
  const health = await checkHealth(storage, { now });
  const queue = { queue: storage.queue.name };
  if (health.queue.depth !== undefined) counters.count('queueDepth', health.queue.depth, queue);
  counters.count('queueOldestAge', health.queue.oldestMessageAgeSeconds ?? 0, queue);
  if (health.poison.depth !== undefined) counters.count('poisonDepth', health.poison.depth, { queue: storage.poisonQueue.name });
  const sentAt = now();
  const event: HeartbeatEvent = {
    heartbeatId: randomUUID(),
    instance: instanceName() || hostname(),
    sentAt: sentAt.toISOString(),
    status: health.status,
    queueDepth: health.queue.depth,
    oldestMessageAgeSeconds: health.queue.oldestMessageAgeSeconds,
    poisonDepth: health.poison.depth,
    problems: health.problems.map((p) => p.cause),
  };
  // Storage down: the enqueue fails and the heartbeat is missing, which is exactly what the alert should see.
  await handoff.enqueue(
    { requestId: event.heartbeatId, door: 'heartbeat', workspaceId, logType: HEARTBEAT_LOG_TYPE, receivedAt: sentAt.toISOString(), shape: 'generic', recordCount: 1 },
    Buffer.from(JSON.stringify(event)),
    'json',
  );
  counters.count('heartbeatsSent', 1);
  return event;
}
