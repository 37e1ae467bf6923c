import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { deliverMessage } from '../../shared/delivery/deliverMessage';
import { createDeliveryDeps } from '../../shared/delivery/deliveryRuntime';
import { loadDeliverySettings } from '../../shared/delivery/deliverySettings';
import { createUploadFn } from '../../shared/delivery/ingestionClient';
import { createUploadBatcher, type BatcherOptions } from '../../shared/delivery/uploadBatcher';
import { hostQueueSettings, startQueueTrigger, type HostQueueSettings } from '../localQueueTrigger';
import type { WorkerCommand, WorkerReport } from './protocol';

/**
 * One relay delivery worker, in a process of its own (forked by the bench), like a Functions worker: settings from
 * the environment, the real deliverMessage, the real upload batcher and SDK client, and the local queue trigger
 * with host.json's queue semantics. Modules load and clients are built before the bench says "go", so the
 * measured time is delivery, not start-up.
 *
 * BENCH_DELIVERY_MODE:
 *  - shared: createDeliveryDeps(settings) as the relay runs it: one batcher packing rows of concurrent messages;
 *  - per-message: a batcher of its own for each message (lingerMs 0, default flushBytes), so a message's rows go
 *    in one call of their own and never share one with another message's. (flushBytes: 1 would not do: it makes
 *    one call per row.)
 */

const mode = process.env.BENCH_DELIVERY_MODE === 'per-message' ? 'per-message' : 'shared';
const expectedMessages = Number(process.env.BENCH_DELIVERY_MESSAGES);
const profileFile = process.env.BENCH_DELIVERY_PROFILE_FILE;

const send = (report: WorkerReport) => process.send!(report);

const settings = loadDeliverySettings(process.env);
const sdkUpload = createUploadFn(settings);
// BENCH_DELIVERY_TRACE=1: a timeline of upload calls and invocations on stderr, to see where a run waits.
const trace = process.env.BENCH_DELIVERY_TRACE === '1';
let t0 = 0;
const at = () => (performance.now() - t0).toFixed(0).padStart(5);
const upload: typeof sdkUpload = trace
  ? async (target, rows) => {
      const bytes = rows.reduce((sum, r) => sum + r.length + 1, 1);
      process.stderr.write(`${at()} ms upload start ${rows.length} rows ${bytes} bytes\n`);
      await sdkUpload(target, rows);
      process.stderr.write(`${at()} ms upload done  ${rows.length} rows\n`);
    }
  : sdkUpload;
// Experiments only (the bench warns when set): BENCH_DELIVERY_BATCHING / BENCH_DELIVERY_HOST, JSON overriding the
// shared batcher's options / host.json's queue settings, to see what a different setting would give.
const batching = JSON.parse(process.env.BENCH_DELIVERY_BATCHING || '{}') as Partial<BatcherOptions>;
const host = { ...hostQueueSettings(), ...(JSON.parse(process.env.BENCH_DELIVERY_HOST || '{}') as Partial<HostQueueSettings>) };
const deps = createDeliveryDeps(settings, upload, batching);
const quiet = () => undefined;
const depsFor = () =>
  mode === 'shared' ? { ...deps, log: quiet } : { ...deps, log: quiet, batcher: createUploadBatcher({ upload, lingerMs: 0 }) };

async function run(): Promise<void> {
  const session = profileFile ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const cpuStart = process.cpuUsage();
  const started = (t0 = performance.now());
  const trigger = startQueueTrigger('deliver', {
    queueName: '%RELAY_QUEUE_NAME%',
    connection: 'RELAY_STORAGE',
    handler: async (message) => {
      if (trace) process.stderr.write(`${at()} ms invocation start\n`);
      await deliverMessage(message, depsFor());
      if (trace) process.stderr.write(`${at()} ms invocation done\n`);
    },
  }, host);
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
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(profileFile!, JSON.stringify(profile));
    session.disconnect();
  }
  trigger.kill();
  send({ type: 'done', elapsedMs, cpuMs: (cpu.user + cpu.system) / 1000, counts: trigger.counts(), batcher: mode === 'shared' ? deps.batcher.stats() : undefined });
}

process.on('message', (command: WorkerCommand) => {
  if (command.type === 'go') {
    run().catch((error: unknown) => {
      send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    });
  }
});
// The bench going away (crash, Ctrl+C) closes the IPC channel: do not outlive it.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
