import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAzurite } from './azurite';
import { prepareBacklog } from './benchDelivery/backlog';
import { summarizeProfile } from './benchDelivery/profileSummary';
import { runDelivery, type RunOptions, type RunResult } from './benchDelivery/runDelivery';
import { EVENTS_PER_POST, keeperBodies } from './bench/keeperEvents';
import { renderTable } from './bench/table';

/**
 * `node dist/tools/benchDelivery.js` (after `npm run build`): how fast the relay drains a backlog into the Logs
 * Ingestion API, and how full its upload calls are, measured in one run on this machine. Not a test.
 *  1. 80 queue messages of 250 shape-A Keeper events (20,000 events) are enqueued to Azurite through the relay's
 *     own hand-off before a delivery worker starts; the worker (its own process, relay defaults: shared batching)
 *     drains them into the emulator (its own process). Throughput = events / (worker start → last message deleted).
 *  2. The same backlog again with one upload call per message (no sharing), for the request-size comparison.
 * BENCH_DELIVERY_PROFILE=1 adds a third, profiled run (worker and emulator) and prints where their CPU went.
 * Everything listens on 127.0.0.1; Azurite and the children are stopped on exit, error or Ctrl+C.
 */

const MESSAGES = 80;
const LIMIT_BYTES = 1_048_576;
const TARGET = { eventsPerSec: 20_000, meanRequestBytes: 921_600 };
const RUN_TIMEOUT_MS = 30_000;

const cleanups: Array<() => Promise<void>> = [];
async function cleanUp(): Promise<void> {
  for (const stop of cleanups.splice(0).reverse()) await stop().catch(() => undefined);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`benchDelivery interrupted (${signal}): stopping Azurite and the children`);
    void cleanUp().finally(() => process.exit(130));
  });
}

const n = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const met = (ok: boolean) => (ok ? 'yes' : 'NO');
const cpu = (ms: number | undefined) => (ms === undefined ? '?' : `${n(ms)} ms`);

async function main(): Promise<void> {
  const started = Date.now();
  const workspaceId = randomUUID();
  const backlog = prepareBacklog(keeperBodies(MESSAGES), workspaceId);
  const bodyBytes = backlog.bodies.reduce((sum, b) => sum + b.length, 0);
  console.log(
    `Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? 'unknown'}). Backlog: ${MESSAGES} messages × ` +
      `${EVENTS_PER_POST} shape-A Keeper events = ${n(backlog.events)} events, ${n(bodyBytes / backlog.events)} bytes/event as posted.`,
  );

  const azurite = await startAzurite();
  cleanups.push(azurite.stop);
  const base = {
    connectionString: azurite.connectionString,
    azuritePid: azurite.process.pid,
    workspaceId,
    backlog,
    timeoutMs: RUN_TIMEOUT_MS,
    onCleanup: (stop: () => Promise<void>) => void cleanups.push(stop),
  } satisfies Partial<RunOptions>;

  console.log('1/2 shared batching (relay defaults)...');
  const shared = await runDelivery({ ...base, mode: 'shared', label: 'bench-shared' });
  console.log(line(shared));
  console.log('2/2 one upload call per message...');
  const single = await runDelivery({ ...base, mode: 'per-message', label: 'bench-per-message' });
  console.log(line(single));

  const meanShared = shared.emulator.requestBytes.mean;
  const meanSingle = single.emulator.requestBytes.mean;
  const table = renderTable(
    ['Measurement', 'Result', 'Target', 'Met?'],
    [
      [
        'Delivery throughput, backlog of 20,000 events (shared batching, relay defaults)',
        `${n(shared.eventsPerSec)} events/s (${n(shared.worker.elapsedMs)} ms)`,
        `≥ ${n(TARGET.eventsPerSec)} events/s`,
        met(shared.eventsPerSec >= TARGET.eventsPerSec),
      ],
      [
        'Mean upload request, uncompressed (shared batching)',
        `${n(meanShared)} bytes = ${n((meanShared / LIMIT_BYTES) * 100, 1)}% of the 1 MB limit (${n(LIMIT_BYTES)}); ${shared.emulator.requestBytes.count} calls, max ${n(shared.emulator.requestBytes.max)}`,
        `≥ ${n(TARGET.meanRequestBytes)} bytes`,
        met(meanShared >= TARGET.meanRequestBytes),
      ],
      [
        'Mean upload request, uncompressed (one call per message, no sharing)',
        `${n(meanSingle)} bytes = ${n((meanSingle / LIMIT_BYTES) * 100, 1)}% of the limit; ${single.emulator.requestBytes.count} calls (${n(meanShared / meanSingle, 1)}× fewer bytes per call than shared)`,
        'baseline',
        '—',
      ],
      [
        'Delivery throughput (one call per message, no sharing)',
        `${n(single.eventsPerSec)} events/s (${n(single.worker.elapsedMs)} ms)`,
        'baseline',
        '—',
      ],
    ],
  );
  console.log(`\n${table}\n`);
  console.log(
    `Method: each run gets a fresh emulator process and a fresh queue in one Azurite; the backlog is enqueued through ` +
      `the relay's hand-off (inline Brotli envelopes, as the HTTP door writes them) before a forked worker (loaded, ` +
      `clients built) is told to start; time runs until the worker deleted the last message, after which the emulator's ` +
      `rows are checked (exactly ${n(backlog.events)}, every event id present), the queue is empty and nothing was poisoned. ` +
      `Worker, emulator and Azurite share ${os.cpus().length} CPUs (their CPU per run is on the lines above). Total ${n((Date.now() - started) / 1000, 1)} s.`,
  );

  if (process.env.BENCH_DELIVERY_PROFILE === '1') {
    const profileDir = mkdtempSync(path.join(os.tmpdir(), 'bench-delivery-profile-'));
    console.log(`\nprofiled run (shared batching; profiles in ${profileDir})...`);
    const profiled = await runDelivery({ ...base, mode: 'shared', label: 'bench-profiled', profileDir });
    console.log(line(profiled));
    console.log(`worker (over the run):\n${summarizeProfile(profiled.workerProfile!)}`);
    console.log(`emulator (whole process life):\n${summarizeProfile(path.join(profileDir, 'emulator.cpuprofile'))}`);
  }
}

function line(r: RunResult): string {
  const b = r.worker.batcher;
  return (
    `  ${r.mode}: ${n(r.eventsPerSec)} events/s, ${n(r.worker.elapsedMs)} ms, ${r.emulator.acceptedCalls} calls of mean ${n(r.emulator.requestBytes.mean)} bytes; ` +
    `CPU over the run: worker ${cpu(r.worker.cpuMs)}, emulator ${cpu(r.emulatorCpuMs)}, Azurite ${cpu(r.azuriteCpuMs)}` +
    (b ? `; batcher: ${b.calls} calls, ${n(b.bytes / Math.max(1, b.calls))} est. bytes/call, ${b.retriedRows} rows retried` : '')
  );
}

main()
  .catch((error: unknown) => {
    console.error(`benchDelivery failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  })
  .finally(() => cleanUp());
