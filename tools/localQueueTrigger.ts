import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InvocationContext, type StorageQueueFunctionOptions } from '@azure/functions';
import { QueueServiceClient, type DequeuedMessageItem, type QueueClient } from '@azure/storage-queue';
import { z } from 'zod';
import { projectRoot } from './localSettings';

/**
 * The Functions host's queue trigger, for the local runner: polls the queue, runs up to batchSize + newBatchThreshold
 * invocations at once, deletes a message when its invocation succeeds, makes it visible again after
 * visibilityTimeout when it fails, and moves it to `<queue>-poison` after maxDequeueCount attempts (host.json).
 */

const hostQueuesSchema = z.object({
  batchSize: z.number().int().min(1).max(32).default(16),
  newBatchThreshold: z.number().int().min(0).optional(),
  maxDequeueCount: z.number().int().min(1).default(5),
  visibilityTimeout: z.string().default('00:00:00'),
  maxPollingInterval: z.string().default('00:01:00'),
});
export type HostQueueSettings = z.infer<typeof hostQueuesSchema>;

function seconds(timespan: string): number {
  const [h = '0', m = '0', s = '0'] = timespan.split(':');
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
}

export function hostQueueSettings(): HostQueueSettings {
  const host = JSON.parse(readFileSync(path.join(projectRoot(), 'host.json'), 'utf8')) as { extensions?: { queues?: unknown } };
  return hostQueuesSchema.parse(host.extensions?.queues ?? {});
}

/** `%NAME%` binding expressions resolve from app settings, as in the host. */
function resolve(value: string): string {
  return value.replace(/%([^%]+)%/g, (_, name: string) => {
    const v = process.env[name];
    if (v === undefined) throw new Error(`binding expression %${name}% has no app setting`);
    return v;
  });
}

export interface QueueTriggerRunner {
  /** Graceful: no new messages, waits for running invocations. */
  stop(): Promise<void>;
  /** Like a crashed worker: stops at once; running invocations neither complete nor fail their messages. */
  kill(): void;
  /** Invocations finished, by result. */
  counts(): { succeeded: number; failed: number; poisoned: number };
}

/** The host hands a JSON message over parsed, other text as a string (messageEncoding none). */
function triggerValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function startQueueTrigger(
  name: string,
  options: StorageQueueFunctionOptions,
  host: HostQueueSettings = hostQueueSettings(),
  /** How long a received message stays hidden while its invocation runs (the host renews a 10-minute lease). */
  leaseSeconds = Number(process.env.RELAY_LOCAL_QUEUE_LEASE_SECONDS ?? 600),
): QueueTriggerRunner {
  const connection = process.env[options.connection];
  if (!connection) throw new Error(`queue trigger ${name}: app setting ${options.connection} (a connection string) is not set`);
  const service = QueueServiceClient.fromConnectionString(connection);
  const queue = service.getQueueClient(resolve(options.queueName));
  const poison = service.getQueueClient(`${queue.name}-poison`);
  const threshold = host.newBatchThreshold ?? Math.floor(host.batchSize / 2);
  const maxIdleMs = seconds(host.maxPollingInterval) * 1000;
  const counts = { succeeded: 0, failed: 0, poisoned: 0 };
  const running = new Set<Promise<void>>();
  let stopped = false;
  let killed = false;
  let invocation = 0;

  async function invoke(message: DequeuedMessageItem, target: QueueClient): Promise<void> {
    const context = new InvocationContext({
      functionName: name,
      invocationId: `local-queue-${++invocation}`,
      triggerMetadata: { id: message.messageId, dequeueCount: message.dequeueCount, insertionTime: message.insertedOn },
    });
    try {
      await options.handler(triggerValue(message.messageText), context);
      if (killed) return;
      await target.deleteMessage(message.messageId, message.popReceipt);
      counts.succeeded++;
    } catch (error) {
      if (killed) return;
      counts.failed++;
      console.error(`local queue trigger: ${name} failed (attempt ${message.dequeueCount}):`, error instanceof Error ? error.message : error);
      if (message.dequeueCount >= host.maxDequeueCount) {
        await poison.createIfNotExists();
        await poison.sendMessage(message.messageText, { messageTimeToLive: -1 });
        await target.deleteMessage(message.messageId, message.popReceipt);
        counts.poisoned++;
      } else {
        await target.updateMessage(message.messageId, message.popReceipt, undefined, seconds(host.visibilityTimeout));
      }
    }
  }

  const loop = (async () => {
    await queue.createIfNotExists();
    let idleMs = 100;
    while (!stopped) {
      // Like the host: fetch a new batch only when the running invocations fall to newBatchThreshold.
      if (running.size > threshold) {
        await Promise.race(running);
        continue;
      }
      let received: DequeuedMessageItem[] = [];
      try {
        // The lease outlives any invocation; a failed one shortens it to visibilityTimeout.
        received = (await queue.receiveMessages({ numberOfMessages: Math.min(32, host.batchSize), visibilityTimeout: leaseSeconds })).receivedMessageItems;
      } catch (error) {
        if (!stopped) console.error('local queue trigger: receive failed:', error instanceof Error ? error.message : error);
      }
      if (received.length === 0) {
        await new Promise((r) => setTimeout(r, idleMs));
        idleMs = Math.min(maxIdleMs, idleMs * 2);
        continue;
      }
      idleMs = 100;
      for (const message of received) {
        const p: Promise<void> = invoke(message, queue).finally(() => running.delete(p));
        running.add(p);
      }
    }
  })();

  return {
    counts: () => ({ ...counts }),
    kill() {
      stopped = true;
      killed = true;
    },
    async stop() {
      stopped = true;
      await loop.catch(() => undefined);
      await Promise.allSettled(running);
    },
  };
}
