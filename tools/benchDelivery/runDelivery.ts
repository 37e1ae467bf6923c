import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { poisonQueueName } from '../../shared/handoff/poisonMessage';
import { STREAMS } from '../../shared/mapping/streamSchemas';
import type { RunningAzurite } from '../azurite';
import { withDeadline } from '../bench/azuriteCost';
import type { EmulatorStats } from '../logsIngestionEmulator';
import { enqueueBacklog, rowFingerprint, warmupQueueName, type Backlog } from './backlog';
import { startEmulatorChild } from './emulatorProcess';
import { cpuSince, machineCpuMs, processCpuMs } from './processCpu';
import type { DeliveryMode } from './protocol';
import { startWorkerChild, type WorkerResult } from './workerProcess';

export const DCR = 'dcr-0b3e6f1a7c2d4e9b8a5f1d2c3b4a5e6f';
const STREAM = STREAMS.keeperSentinel.stream;
/** Deadline of each storage call of the check after a run. */
const CHECK_DEADLINE_MS = 15_000;

export interface RunOptions {
  azurite: RunningAzurite;
  workspaceId: string;
  backlog: Backlog;
  mode: DeliveryMode;
  /** Distinct per run: a fresh queue and container, so runs cannot see each other's messages. */
  label: string;
  /** Also write CPU profiles of the worker (inspector, over the run) and the emulator (--cpu-prof, whole life). */
  profileDir?: string;
  /** Registers a stop function, so the caller can clean up on Ctrl+C. */
  onCleanup(stop: () => Promise<void>): void;
}

export interface RunResult {
  mode: DeliveryMode;
  worker: WorkerResult;
  emulator: EmulatorStats;
  events: number;
  messages: number;
  eventsPerSec: number;
  /** Events per CPU-second of the worker process. */
  eventsPerCpuSec: number;
  /** CPU used over the run by the emulator and Azurite (ms; undefined off Linux). */
  emulatorCpuMs: number | undefined;
  azuriteCpuMs: number | undefined;
  /** CPU the rest of the machine (other processes, not this bench's) used over the run: load competing for the cores. */
  otherCpuMs: number | undefined;
  workerProfile?: string;
}

/**
 * Queue-write equivalents Azurite serves per message during a run, at most: its share of a receive (of up to 32),
 * its delete, and the blob read of a claim-checked message; with the status blob writes, 3 is an upper bound.
 */
const AZURITE_OPS_PER_MESSAGE = 3;
/**
 * Azurite's CPU in a run is judged only from this much: measured normal runs spent 10-1,030 ms (a few large blobs
 * cost more per message than 3 writes but little in all), the abnormal ones 9-20 s (19.6 s for 100 messages).
 */
const JUDGED_FROM_MS = 1_000;

/** Azurite's CPU per operation during the run (every message as AZURITE_OPS_PER_MESSAGE), when worth judging. */
export const azuriteMsPerOpInRun = (r: RunResult): number | undefined =>
  r.azuriteCpuMs === undefined || r.azuriteCpuMs < JUDGED_FROM_MS ? undefined : r.azuriteCpuMs / (r.messages * AZURITE_OPS_PER_MESSAGE);

/** A run's deadline: generous for today's slowest cell (one-record messages at ~130/s), finite for a stall. */
export function runDeadlineMs(backlog: Backlog): number {
  return 30_000 + backlog.bodies.length * 25 + backlog.events * 0.5;
}

function relayEnv(o: RunOptions, emulator: { url: string; caFile: string }): Record<string, string> {
  return {
    RELAY_WORKSPACE_1_ID: o.workspaceId,
    // Delivery never checks SharedKey signatures; loadSettings only needs a well-formed key.
    RELAY_WORKSPACE_1_PRIMARY_KEY: Buffer.alloc(64, 7).toString('base64'),
    RELAY_STORAGE: o.azurite.connectionString,
    RELAY_QUEUE_NAME: o.label,
    RELAY_BLOB_CONTAINER: o.label,
    RELAY_INGESTION_ENDPOINT: emulator.url,
    RELAY_DCR_IMMUTABLE_ID: DCR,
    RELAY_CREDENTIAL: 'development',
    RELAY_INGESTION_CA_FILE: emulator.caFile,
    RELAY_KEEPER_CL_ENABLED: 'false',
    // No once-a-minute summary line in the bench's output.
    RELAY_SUMMARY_SECONDS: '0',
  };
}

/**
 * Everything the run claims, checked: exactly the backlog's events, each as often as posted (by fingerprint), every
 * expected relay_event_id present and no two rows alike, nothing failed, nothing left queued or poisoned.
 */
async function verify(o: RunOptions, stats: EmulatorStats, rows: Record<string, unknown>[], worker: WorkerResult): Promise<void> {
  const { expectedRows: events, fingerprints, expectedIds } = o.backlog;
  const problems: string[] = [];
  if (stats.rowsByStream[STREAM] !== events || stats.acceptedRows !== events) {
    problems.push(`emulator accepted ${stats.acceptedRows} rows (${STREAM}: ${stats.rowsByStream[STREAM] ?? 0}), expected ${events}`);
  }
  const found = new Map<string, number>();
  const ids = new Set<string>();
  for (const row of rows) {
    const f = rowFingerprint(row);
    found.set(f, (found.get(f) ?? 0) + 1);
    const id = (row.data as { relay_event_id?: unknown } | undefined)?.relay_event_id;
    if (typeof id === 'string' && id.length > 0) ids.add(id);
  }
  let missing = 0;
  for (const [f, n] of fingerprints) missing += Math.max(0, n - (found.get(f) ?? 0));
  if (missing > 0 || rows.length !== events) problems.push(`${missing} events missing, ${rows.length} rows stored`);
  const missingIds = [...expectedIds].filter((id) => !ids.has(id)).length;
  if (ids.size !== events || missingIds > 0) problems.push(`${ids.size} distinct relay_event_id values, expected ${events}; ${missingIds} expected ids missing`);
  if (worker.counts.failed > 0 || worker.counts.poisoned > 0) problems.push(`invocations failed: ${JSON.stringify(worker.counts)}`);
  const queues = QueueServiceClient.fromConnectionString(o.azurite.connectionString);
  const count = async (name: string) =>
    withDeadline(
      (async () => {
        const q = queues.getQueueClient(name);
        return (await q.exists()) ? ((await q.getProperties()).approximateMessagesCount ?? 0) : 0;
      })(),
      CHECK_DEADLINE_MS,
      `reading queue ${name}`,
    );
  const left = await count(o.label);
  if (left !== 0) problems.push(`${left} messages still in the queue`);
  if ((await count(poisonQueueName(o.label))) > 0) problems.push('messages in the poison queue');
  if (problems.length > 0) throw new Error(`${o.mode} run ${o.label} did not deliver the backlog: ${problems.join('; ')}`);
}

/** The upload calls of the measurement: the warm-up's taken out (their max cannot be, but it is one small call). */
function callsSince(after: EmulatorStats, before: EmulatorStats): EmulatorStats {
  const a = after.requestBytes;
  const b = before.requestBytes;
  const count = a.count - b.count;
  const total = a.total - b.total;
  return {
    ...after,
    acceptedCalls: after.acceptedCalls - before.acceptedCalls,
    acceptedRows: after.acceptedRows - before.acceptedRows,
    requestBytes: { count, total, mean: count > 0 ? total / count : 0, max: a.max, tenths: a.tenths.map((t, i) => t - (b.tenths[i] ?? 0)) },
  };
}

/** The run's queues and container go: an in-memory Azurite holding every run's blobs would grow dearer. */
async function dropRunStorage(o: RunOptions): Promise<void> {
  const queues = QueueServiceClient.fromConnectionString(o.azurite.connectionString);
  const blobs = BlobServiceClient.fromConnectionString(o.azurite.connectionString);
  await withDeadline(
    Promise.all([
      queues.getQueueClient(o.label).deleteIfExists(),
      queues.getQueueClient(poisonQueueName(o.label)).deleteIfExists(),
      queues.getQueueClient(warmupQueueName(o.label)).deleteIfExists(),
      blobs.getContainerClient(o.label).deleteIfExists(),
    ]),
    CHECK_DEADLINE_MS,
    `dropping run ${o.label}'s queues and container`,
  );
}

/** One run: a fresh emulator child, the backlog enqueued, then a fresh worker child drains it; checked after. */
export async function runDelivery(o: RunOptions): Promise<RunResult> {
  const emulator = await startEmulatorChild(
    { [DCR]: [STREAM] },
    o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`, '--cpu-prof-name=emulator.cpuprofile'] : [],
  );
  o.onCleanup(emulator.stop);
  const stops: Array<() => Promise<void>> = [emulator.stop];
  try {
    await enqueueBacklog(o.backlog, o.workspaceId, o.azurite.connectionString, o.label, o.label);
    const workerProfile = o.profileDir ? `${o.profileDir}/worker.cpuprofile` : undefined;
    const worker = await startWorkerChild(
      relayEnv(o, emulator),
      o.mode,
      o.backlog.bodies.length,
      o.backlog.warmup.length,
      (stop) => {
        o.onCleanup(stop);
        stops.push(stop);
      },
      workerProfile,
    );

    const warmedUp = await emulator.stats();
    const azuritePid = o.azurite.process.pid;
    const emulatorCpu = processCpuMs(emulator.pid);
    const azuriteCpu = processCpuMs(azuritePid);
    const machineCpu = machineCpuMs();
    const benchCpu = process.cpuUsage();
    const result = await worker.run(runDeadlineMs(o.backlog));
    const emulatorCpuMs = cpuSince(emulator.pid, emulatorCpu);
    const azuriteCpuMs = cpuSince(azuritePid, azuriteCpu);
    const machineMs = machineCpuMs();
    const bench = process.cpuUsage(benchCpu);
    const otherCpuMs =
      machineMs === undefined || machineCpu === undefined || emulatorCpuMs === undefined || azuriteCpuMs === undefined
        ? undefined
        : Math.max(0, machineMs - machineCpu - result.cpuMs - emulatorCpuMs - azuriteCpuMs - (bench.user + bench.system) / 1000);
    await worker.stop();

    const stats = await emulator.stats();
    await verify(o, stats, emulator.rows(STREAM), result);
    const events = o.backlog.events;
    return {
      mode: o.mode,
      worker: result,
      emulator: callsSince(stats, warmedUp),
      events,
      messages: o.backlog.bodies.length,
      eventsPerSec: events / (result.elapsedMs / 1000),
      eventsPerCpuSec: events / (result.cpuMs / 1000),
      emulatorCpuMs,
      azuriteCpuMs,
      otherCpuMs,
      workerProfile,
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await dropRunStorage(o).catch(() => undefined);
  }
}
