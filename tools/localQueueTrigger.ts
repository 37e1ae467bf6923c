import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InvocationContext, type LogHandler, type StorageQueueFunctionOptions } from '@azure/functions';
import { QueueServiceClient, type DequeuedMessageItem } from '@azure/storage-queue';
import { z } from 'zod';
import { projectRoot } from './localSettings';

/**
 * The Functions host's queue trigger, for the local runner, behaving like the Storage Queues extension
 * (azure-sdk-for-net, sdk/storage/Microsoft.Azure.WebJobs.Extensions.Storage.Queues):
 * - QueueListener receives up to batchSize messages with a 10-minute visibility timeout and fetches more only when
 *   the running invocations fall to newBatchThreshold;
 * - while an invocation runs, QueueListener.CreateUpdateMessageVisibilityTimer renews the message's visibility
 *   "when it is halfway to expiring" (every visibilityTimeout / 2, sooner after a failed renewal), keeping the new
 *   pop receipt, so a long invocation never has its message delivered twice;
 * - QueueProcessor.BeginProcessingMessageAsync moves a message whose DequeueCount exceeds MaxDequeueCount to
 *   `<queue>-poison` without invoking the function: the case of a message that crashed the worker every time;
 * - after a failed invocation, CompleteProcessingMessageAsync poisons it at MaxDequeueCount, else makes it visible
 *   again after host.json's visibilityTimeout; after a success it deletes it;
 * - storage errors while polling back off and are logged, never thrown (QueueListener.ExecuteAsync).
 * Here, too, no storage error escapes as an unhandled rejection: a 30-second Azurite outage stops nothing, and every
 * storage call has a deadline (STORAGE_TRY_TIMEOUT_MS per try), so a stalled storage endpoint cannot freeze polling.
 * Completions are independent: each finished invocation deletes its own message at once, concurrently with the
 * others' deletes and with the next receive (nothing waits for a batch to finish, as in the host).
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

/**
 * Per-try deadline of every storage call (receive, renew, delete, poison): Azure.Core's default network timeout,
 * which the host's queue client uses (100 s, Azure.Core RetryOptions.NetworkTimeout); the storage SDK's own retries
 * then try again.
 */
export const STORAGE_TRY_TIMEOUT_MS = 100_000;

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
  counts(): { succeeded: number; failed: number; poisoned: number; renewed: number };
}

/** The host hands a JSON message over parsed, other text as a string (messageEncoding none). */
export function triggerValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** One line for a storage failure: the operation and the SDK's code or status, no stack. */
function storageProblem(error: unknown): string {
  const e = error as { code?: string; statusCode?: number; message?: string };
  return [e.code, e.statusCode].filter((v) => v !== undefined).join(' ') || (e.message ?? String(error)).split('\n')[0]!;
}

/** The context the host gives a queue-triggered invocation: its trigger metadata (id, dequeue count, insertion time). */
export function invocationContext(name: string, message: DequeuedMessageItem, n: number, logHandler?: LogHandler): InvocationContext {
  return new InvocationContext({
    functionName: name,
    invocationId: `local-queue-${n}`,
    triggerMetadata: { id: message.messageId, dequeueCount: message.dequeueCount, insertionTime: message.insertedOn },
    ...(logHandler ? { logHandler } : {}),
  });
}

export function startQueueTrigger(
  name: string,
  options: StorageQueueFunctionOptions,
  host: HostQueueSettings = hostQueueSettings(),
  /** How long a received message stays hidden; renewed at half of it while the invocation runs (the host: 10 min). */
  leaseSeconds = Number(process.env.RELAY_LOCAL_QUEUE_LEASE_SECONDS ?? 600),
): QueueTriggerRunner {
  const connection = process.env[options.connection];
  if (!connection) throw new Error(`queue trigger ${name}: app setting ${options.connection} (a connection string) is not set`);
  const service = QueueServiceClient.fromConnectionString(connection, { retryOptions: { tryTimeoutInMs: STORAGE_TRY_TIMEOUT_MS } });
  const queue = service.getQueueClient(resolve(options.queueName));
  const poison = service.getQueueClient(`${queue.name}-poison`);
  const threshold = host.newBatchThreshold ?? Math.floor(host.batchSize / 2);
  const maxIdleMs = seconds(host.maxPollingInterval) * 1000;
  const renewEveryMs = (leaseSeconds * 1000) / 2;
  const counts = { succeeded: 0, failed: 0, poisoned: 0, renewed: 0 };
  const running = new Set<Promise<void>>();
  const renewals = new Set<NodeJS.Timeout>();
  let stopped = false;
  let killed = false;
  let invocation = 0;

  /** Keeps the message hidden while its invocation runs; the latest pop receipt is what completion must use. */
  function holdLease(message: DequeuedMessageItem): { receipt(): string; release(): void } {
    let popReceipt = message.popReceipt;
    let timer: NodeJS.Timeout | undefined;
    let released = false;
    const schedule = (ms: number) => {
      timer = setTimeout(() => void renew(), ms);
      renewals.add(timer);
    };
    const renew = async () => {
      renewals.delete(timer!);
      if (killed) return;
      try {
        popReceipt = (await queue.updateMessage(message.messageId, popReceipt, undefined, leaseSeconds)).popReceipt!;
        counts.renewed++;
        if (!released) schedule(renewEveryMs);
      } catch (error) {
        // Like the host's LinearSpeedupStrategy: try again sooner while the lease still has time left.
        console.warn(`local queue trigger: ${name} could not renew message ${message.messageId}'s lease: ${storageProblem(error)}`);
        if (!released) schedule(Math.max(1000, renewEveryMs / 4));
      }
    };
    schedule(renewEveryMs);
    return {
      receipt: () => popReceipt,
      release() {
        released = true;
        if (timer) {
          clearTimeout(timer);
          renewals.delete(timer);
        }
      },
    };
  }

  async function moveToPoison(message: DequeuedMessageItem, popReceipt: string): Promise<void> {
    await poison.createIfNotExists();
    await poison.sendMessage(message.messageText, { messageTimeToLive: -1 });
    await queue.deleteMessage(message.messageId, popReceipt);
    counts.poisoned++;
  }

  async function invoke(message: DequeuedMessageItem): Promise<void> {
    if (message.dequeueCount > host.maxDequeueCount) {
      // Every earlier attempt ended without a result (the worker crashed): poison without invoking again.
      console.error(`local queue trigger: ${name} message ${message.messageId} was dequeued ${message.dequeueCount} times without completing; moved to ${poison.name}`);
      await moveToPoison(message, message.popReceipt).catch((error: unknown) =>
        console.warn(`local queue trigger: could not move message ${message.messageId} to ${poison.name}: ${storageProblem(error)}; it comes back later`),
      );
      return;
    }
    const context = invocationContext(name, message, ++invocation);
    const lease = holdLease(message);
    let failure: unknown;
    let succeeded = false;
    try {
      await options.handler(triggerValue(message.messageText), context);
      succeeded = true;
    } catch (error) {
      failure = error;
    } finally {
      lease.release();
    }
    if (killed) return;
    try {
      if (succeeded) {
        await queue.deleteMessage(message.messageId, lease.receipt());
        counts.succeeded++;
        return;
      }
      counts.failed++;
      console.error(`local queue trigger: ${name} failed (attempt ${message.dequeueCount}):`, failure instanceof Error ? failure.message : failure);
      if (message.dequeueCount >= host.maxDequeueCount) await moveToPoison(message, lease.receipt());
      else await queue.updateMessage(message.messageId, lease.receipt(), undefined, seconds(host.visibilityTimeout));
    } catch (error) {
      // The message reappears when its lease ends and is delivered again: delivery is idempotent per request.
      console.warn(`local queue trigger: ${name} could not complete message ${message.messageId}: ${storageProblem(error)}; it will be delivered again`);
    }
  }

  const loop = (async () => {
    let idleMs = 100;
    let queueReady = false;
    let outage = false;
    while (!stopped) {
      // Like the host: fetch a new batch only when the running invocations fall to newBatchThreshold.
      if (running.size > threshold) {
        await Promise.race(running);
        continue;
      }
      let received: DequeuedMessageItem[] = [];
      try {
        if (!queueReady) queueReady = (await queue.createIfNotExists(), true);
        received = (await queue.receiveMessages({ numberOfMessages: Math.min(32, host.batchSize), visibilityTimeout: leaseSeconds })).receivedMessageItems;
        if (outage) console.warn(`local queue trigger: ${name} reaches storage again`);
        outage = false;
      } catch (error) {
        queueReady = false;
        if (!stopped && !outage) console.warn(`local queue trigger: ${name} cannot reach storage (${storageProblem(error)}); polling on with backoff`);
        outage = true;
      }
      if (received.length === 0) {
        await new Promise((r) => setTimeout(r, idleMs));
        idleMs = Math.min(maxIdleMs, idleMs * 2);
        continue;
      }
      idleMs = 100;
      for (const message of received) {
        const p: Promise<void> = invoke(message)
          .catch((error: unknown) => console.error(`local queue trigger: ${name}:`, error instanceof Error ? error.message : error))
          .finally(() => running.delete(p));
        running.add(p);
      }
    }
  })().catch((error: unknown) => console.error(`local queue trigger: ${name} stopped polling:`, error instanceof Error ? error.message : error));

  return {
    counts: () => ({ ...counts }),
    kill() {
      stopped = true;
      killed = true;
      for (const timer of renewals) clearTimeout(timer);
      renewals.clear();
    },
    async stop() {
      stopped = true;
      await loop;
      await Promise.allSettled(running);
    },
  };
}
