import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAzurite } from './azurite';
import { prepareBacklog } from './benchDelivery/backlog';
import { summarizeProfile } from './benchDelivery/profileSummary';
import type { DeliveryMode } from './benchDelivery/protocol';
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
 * Three alternating rounds of each; the table shows each side's median run.
 * Diagnostics: BENCH_DELIVERY_PROFILE=1 adds one more, profiled run (worker and emulator) and prints where their
 * CPU went; BENCH_DELIVERY_TRACE=1 writes the worker's timeline of invocations and upload calls to stderr;
 * BENCH_DELIVERY_BATCHING / BENCH_DELIVERY_HOST (JSON) try other batcher / host.json queue settings.
 * Everything listens on 127.0.0.1; Azurite and the children are stopped on exit, error or Ctrl+C.
 */

const MESSAGES = 80;
const LIMIT_BYTES = 1_048_576;
const TARGET = { eventsPerSec: 20_000, meanRequestBytes: 921_600 };
const RUN_TIMEOUT_MS = 30_000;
const ROUNDS = 3;

/** The run with the median throughput (odd number of rounds). */
function median(results: RunResult[]): RunResult {
  return [...results].sort((a, b) => a.eventsPerSec - b.eventsPerSec)[Math.floor(results.length / 2)]!;
}

const cleanups: Array<() => Promise<void>> = [];
let interrupted = false;
async function cleanUp(): Promise<void> {
  for (const stop of cleanups.splice(0).reverse()) await stop().catch(() => undefined);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
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

  for (const name of ['BENCH_DELIVERY_BATCHING', 'BENCH_DELIVERY_HOST']) {
    if (process.env[name]) console.log(`EXPERIMENT: ${name}=${process.env[name]} overrides the relay's defaults; the targets are about the defaults.`);
  }
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

  // Alternating rounds, each side's median reported: one run lasts 1-2 s, so a burst of other load on the machine
  // would otherwise decide the comparison.
  const runs: Record<DeliveryMode, RunResult[]> = { shared: [], 'per-message': [] };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const mode of ['shared', 'per-message'] as const) {
      console.log(`round ${round}/${ROUNDS}, ${mode === 'shared' ? 'shared batching (relay defaults)' : 'one upload call per message'}...`);
      const result = await runDelivery({ ...base, mode, label: `bench-${mode}-${round}` });
      runs[mode].push(result);
      console.log(line(result));
    }
  }
  const shared = median(runs.shared);
  const single = median(runs['per-message']);
  const range = (rs: RunResult[]) => `${n(Math.min(...rs.map((r) => r.eventsPerSec)))}–${n(Math.max(...rs.map((r) => r.eventsPerSec)))}`;

  const meanShared = shared.emulator.requestBytes.mean;
  const meanSingle = single.emulator.requestBytes.mean;
  const table = renderTable(
    ['Measurement', 'Result', 'Target', 'Met?'],
    [
      [
        'Delivery throughput, backlog of 20,000 events (shared batching, relay defaults)',
        `${n(shared.eventsPerSec)} events/s (median of ${ROUNDS}: ${range(runs.shared)})`,
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
        `${n(meanSingle)} bytes = ${n((meanSingle / LIMIT_BYTES) * 100, 1)}% of the limit; ${single.emulator.requestBytes.count} calls; shared calls are ${n(meanShared / meanSingle, 1)}× larger`,
        'baseline',
        '—',
      ],
      [
        'Delivery throughput (one call per message, no sharing)',
        `${n(single.eventsPerSec)} events/s (median of ${ROUNDS}: ${range(runs['per-message'])})`,
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
      `Worker, emulator and Azurite share ${os.cpus().length} CPUs (CPU per run, and other processes', on the lines above). ` +
      `Locally the worker also runs the queue trigger's receive/delete (storage SDK, XML); in Azure the Functions host does. Total ${n((Date.now() - started) / 1000, 1)} s.`,
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
    `CPU over the run: worker ${cpu(r.worker.cpuMs)}, emulator ${cpu(r.emulatorCpuMs)}, Azurite ${cpu(r.azuriteCpuMs)}, other processes ${cpu(r.otherCpuMs)}` +
    (b ? `; batcher: ${b.calls} calls, ${n(b.bytes / Math.max(1, b.calls))} est. bytes/call, ${b.retriedRows} rows retried` : '')
  );
}

main()
  .catch((error: unknown) => {
    // After Ctrl+C the children die first; their exits are not a failure worth a stack trace.
    if (interrupted) return;
    console.error(`benchDelivery failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  })
  .finally(() => cleanUp());
