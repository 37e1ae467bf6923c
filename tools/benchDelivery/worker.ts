import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { StorageQueueFunctionOptions } from '@azure/functions';
import { QueueServiceClient, type DequeuedMessageItem } from '@azure/storage-queue';
import { loadRegistrations } from '../functionRegistry';
import { hostQueueSettings, invocationContext, startQueueTrigger, STORAGE_TRY_TIMEOUT_MS, triggerValue, type HostQueueSettings } from '../localQueueTrigger';
import type { DeliveryMode, WorkerCommand, WorkerReport } from './protocol';

/**
 * One relay delivery worker, in a process of its own (forked by the bench), like a Functions worker: settings from
 * the environment and the `deliver` function exactly as functions/ registers it (so the bench follows whatever the
 * delivery core becomes). Modules load, clients are built and (function mode) messages are received before the
 * bench says "go", so the measured time is delivery, not start-up. Modes: see protocol.ts.
 * BENCH_DELIVERY_HOST (JSON) overrides host.json's queue settings, for experiments only.
 */

const mode = process.env.BENCH_DELIVERY_MODE as DeliveryMode;
const expectedMessages = Number(process.env.BENCH_DELIVERY_MESSAGES);
const warmupMessages = Number(process.env.BENCH_DELIVERY_WARMUP_MESSAGES ?? 0);
const profileFile = process.env.BENCH_DELIVERY_PROFILE_FILE;
const host: HostQueueSettings = { ...hostQueueSettings(), ...(JSON.parse(process.env.BENCH_DELIVERY_HOST || '{}') as Partial<HostQueueSettings>) };
const LEASE_SECONDS = 600;

const send = (report: WorkerReport) => process.send!(report);
const quiet = () => undefined;

function queueClient(options: StorageQueueFunctionOptions, suffix = '') {
  const connection = process.env[options.connection]!;
  const name = options.queueName.replace(/%([^%]+)%/g, (_, n: string) => process.env[n] ?? '') + suffix;
  return QueueServiceClient.fromConnectionString(connection, { retryOptions: { tryTimeoutInMs: STORAGE_TRY_TIMEOUT_MS } }).getQueueClient(name);
}

/** Every message of a queue (leased for 10 minutes), until `count` arrived: before the measurement. */
async function receiveAll(options: StorageQueueFunctionOptions, count: number, suffix = ''): Promise<DequeuedMessageItem[]> {
  const queue = queueClient(options, suffix);
  const messages: DequeuedMessageItem[] = [];
  while (messages.length < count) {
    const got = (await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: LEASE_SECONDS })).receivedMessageItems;
    messages.push(...got);
    if (got.length === 0) await new Promise((r) => setTimeout(r, 50));
  }
  return messages;
}

/** The host's dispatch without its I/O: batches of batchSize, a new one once running invocations fall to the threshold. */
async function invokeInMemory(options: StorageQueueFunctionOptions, messages: DequeuedMessageItem[]) {
  const counts = { succeeded: 0, failed: 0, poisoned: 0 };
  const threshold = host.newBatchThreshold ?? Math.floor(host.batchSize / 2);
  const running = new Set<Promise<void>>();
  let next = 0;
  const invoke = async (message: DequeuedMessageItem, n: number) => {
    try {
      await options.handler(triggerValue(message.messageText), invocationContext('deliver', message, n, quiet));
      counts.succeeded++;
    } catch (error) {
      counts.failed++;
      console.error(`bench worker: invocation failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  while (next < messages.length) {
    if (running.size > threshold) {
      await Promise.race(running);
      continue;
    }
    for (const message of messages.slice(next, next + host.batchSize)) {
      const p: Promise<void> = invoke(message, ++next).finally(() => running.delete(p));
      running.add(p);
    }
  }
  await Promise.all(running);
  return counts;
}

/**
 * After the measurement, every message having completed: the host would have deleted each; one clear does it
 * without paying Azurite's per-delete cost, which grows with the queue's depth (about 6 ms a delete 2,000 deep).
 */
async function clearAll(options: StorageQueueFunctionOptions, suffix = ''): Promise<void> {
  await queueClient(options, suffix).clearMessages();
}

async function untilDone(trigger: ReturnType<typeof startQueueTrigger>): Promise<void> {
  // counts().succeeded moves once a message is deleted from the queue, i.e. after its rows were accepted.
  // A 2 ms poll costs nothing measurable and bounds the timing error far below the run's length.
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (trigger.counts().succeeded + trigger.counts().poisoned >= expectedMessages) {
        clearInterval(timer);
        resolve();
      }
    }, 2);
  });
}

async function main(): Promise<void> {
  const registrations = await loadRegistrations();
  const deliver = registrations.queue.find((r) => r.name === 'deliver');
  if (!deliver) throw new Error('functions/ registers no queue function named deliver');
  const options = { ...deliver } as StorageQueueFunctionOptions & { name?: string };
  // Warm-up (backlog.ts): the same handler on the warm-up posts, with the same storage clients' code, before "go".
  const warm = await receiveAll(options, warmupMessages, '-warmup');
  const warmCounts = await invokeInMemory(options, warm);
  if (warmCounts.failed > 0) throw new Error('the warm-up messages failed');
  await clearAll(options, '-warmup');
  const received = mode === 'function' ? await receiveAll(options, expectedMessages) : [];

  process.on('message', (command: WorkerCommand) => {
    if (command.type !== 'go') return;
    void (async () => {
      const session = profileFile ? new Session() : undefined;
      if (session) {
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.start');
      }
      const cpuStart = process.cpuUsage();
      const started = performance.now();
      let counts: { succeeded: number; failed: number; poisoned: number };
      let trigger: ReturnType<typeof startQueueTrigger> | undefined;
      if (mode === 'function') {
        counts = await invokeInMemory(options, received);
      } else {
        trigger = startQueueTrigger('deliver', options, host, LEASE_SECONDS);
        await untilDone(trigger);
        counts = trigger.counts();
      }
      const elapsedMs = performance.now() - started;
      const cpu = process.cpuUsage(cpuStart);
      if (session) {
        const { profile } = await session.post('Profiler.stop');
        writeFileSync(profileFile!, JSON.stringify(profile));
        session.disconnect();
      }
      trigger?.kill();
      if (mode === 'function' && counts.succeeded === received.length) await clearAll(options);
      const maxRssBytes = process.resourceUsage().maxRSS * 1024;
      send({ type: 'done', elapsedMs, cpuMs: (cpu.user + cpu.system) / 1000, maxRssBytes, counts });
    })().catch(fail);
  });
  send({ type: 'ready' });
}

function fail(error: unknown): void {
  send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
}

// The bench going away (crash, Ctrl+C) closes the IPC channel: do not outlive it.
process.on('disconnect', () => process.exit(0));
main().catch(fail);
