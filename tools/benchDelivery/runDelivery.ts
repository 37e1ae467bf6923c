import { readFileSync } from 'node:fs';
import { QueueServiceClient } from '@azure/storage-queue';
import { poisonQueueName } from '../../shared/handoff/poisonMessage';
import { STREAMS } from '../../shared/mapping/streamSchemas';
import type { EmulatorStats } from '../logsIngestionEmulator';
import { enqueueBacklog, type Backlog } from './backlog';
import { startEmulatorChild } from './emulatorProcess';
import type { DeliveryMode } from './protocol';
import { startWorkerChild, type WorkerResult } from './workerProcess';

export const DCR = 'dcr-0b3e6f1a7c2d4e9b8a5f1d2c3b4a5e6f';
const STREAM = STREAMS.keeperSentinel.stream;

export interface RunOptions {
  connectionString: string;
  azuritePid: number | undefined;
  workspaceId: string;
  backlog: Backlog;
  mode: DeliveryMode;
  /** Distinct per run: a fresh queue and container, so runs cannot see each other's messages. */
  label: string;
  /** Also write CPU profiles of the worker (inspector, over the run) and the emulator (--cpu-prof, whole life). */
  profileDir?: string;
  timeoutMs: number;
  /** Registers a stop function, so the caller can clean up on errors and Ctrl+C. */
  onCleanup(stop: () => Promise<void>): void;
}

export interface RunResult {
  mode: DeliveryMode;
  worker: WorkerResult;
  emulator: EmulatorStats;
  eventsPerSec: number;
  /** CPU used over the run by the emulator and Azurite (ms; undefined off Linux). */
  emulatorCpuMs: number | undefined;
  azuriteCpuMs: number | undefined;
  /** CPU the rest of the machine (other processes, not this bench's) used over the run: load competing for the cores. */
  otherCpuMs: number | undefined;
  workerProfile?: string;
}

/** CPU time (user + system, ms, 10 ms ticks) of another process so far, from /proc; undefined off Linux. */
function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}
/** CPU (ms) all processes used so far, every core, idle and iowait excluded, from /proc/stat; undefined off Linux. */
function machineCpuMs(): number | undefined {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const busy = user! + nice! + system! + irq! + softirq! + (steal ?? 0);
    return Number.isFinite(busy) ? (busy * 1000) / 100 : undefined;
  } catch {
    return undefined;
  }
}
const cpuSince = (pid: number | undefined, before: number | undefined) => {
  const now = processCpuMs(pid);
  return now === undefined || before === undefined ? undefined : now - before;
};

function relayEnv(o: RunOptions, emulator: { url: string; caFile: string }): Record<string, string> {
  return {
    RELAY_WORKSPACE_1_ID: o.workspaceId,
    // Delivery never checks SharedKey signatures; loadSettings only needs a well-formed key.
    RELAY_WORKSPACE_1_PRIMARY_KEY: Buffer.alloc(64, 7).toString('base64'),
    RELAY_STORAGE: o.connectionString,
    RELAY_QUEUE_NAME: o.label,
    RELAY_BLOB_CONTAINER: o.label,
    RELAY_INGESTION_ENDPOINT: emulator.url,
    RELAY_DCR_IMMUTABLE_ID: DCR,
    RELAY_CREDENTIAL: 'development',
    RELAY_INGESTION_CA_FILE: emulator.caFile,
    RELAY_KEEPER_CL_ENABLED: 'false',
  };
}

/** Everything the run claims, checked: exactly the backlog's events, each once, and nothing left queued or poisoned. */
async function verify(o: RunOptions, stats: EmulatorStats, rows: Record<string, unknown>[], worker: WorkerResult): Promise<void> {
  const { events, expectedIds } = o.backlog;
  const problems: string[] = [];
  if (stats.rowsByStream[STREAM] !== events || stats.acceptedRows !== events) {
    problems.push(`emulator accepted ${stats.acceptedRows} rows (${STREAM}: ${stats.rowsByStream[STREAM] ?? 0}), expected ${events}`);
  }
  const ids = new Set(rows.map((r) => (r.data as { relay_event_id?: string } | undefined)?.relay_event_id));
  const missing = [...expectedIds].filter((id) => !ids.has(id)).length;
  if (missing > 0 || rows.length !== events) problems.push(`${missing} event ids missing, ${rows.length} rows stored`);
  if (worker.counts.failed > 0 || worker.counts.poisoned > 0) problems.push(`invocations failed: ${JSON.stringify(worker.counts)}`);
  const queues = QueueServiceClient.fromConnectionString(o.connectionString);
  const left = (await queues.getQueueClient(o.label).getProperties()).approximateMessagesCount ?? 0;
  if (left !== 0) problems.push(`${left} messages still in the queue`);
  const poison = queues.getQueueClient(poisonQueueName(o.label));
  if ((await poison.exists()) && ((await poison.getProperties()).approximateMessagesCount ?? 0) > 0) problems.push('messages in the poison queue');
  if (problems.length > 0) throw new Error(`${o.mode} run did not deliver the backlog: ${problems.join('; ')}`);
}

/** One run: a fresh emulator child, the backlog enqueued, then a fresh worker child drains it. */
export async function runDelivery(o: RunOptions): Promise<RunResult> {
  const emulator = await startEmulatorChild(
    { [DCR]: [STREAM] },
    o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`, '--cpu-prof-name=emulator.cpuprofile'] : [],
  );
  o.onCleanup(emulator.stop);
  await enqueueBacklog(o.backlog, o.workspaceId, o.connectionString, o.label, o.label);
  const workerProfile = o.profileDir ? `${o.profileDir}/worker.cpuprofile` : undefined;
  const worker = await startWorkerChild(relayEnv(o, emulator), o.mode, o.backlog.bodies.length, workerProfile);
  o.onCleanup(worker.stop);

  const emulatorCpu = processCpuMs(emulator.pid);
  const azuriteCpu = processCpuMs(o.azuritePid);
  const machineCpu = machineCpuMs();
  const benchCpu = process.cpuUsage();
  const result = await worker.run(o.timeoutMs);
  const emulatorCpuMs = cpuSince(emulator.pid, emulatorCpu);
  const azuriteCpuMs = cpuSince(o.azuritePid, azuriteCpu);
  const machineMs = machineCpuMs();
  const bench = process.cpuUsage(benchCpu);
  const otherCpuMs =
    machineMs === undefined || machineCpu === undefined || emulatorCpuMs === undefined || azuriteCpuMs === undefined
      ? undefined
      : Math.max(0, machineMs - machineCpu - result.cpuMs - emulatorCpuMs - azuriteCpuMs - (bench.user + bench.system) / 1000);
  await worker.stop();

  const stats = await emulator.stats();
  await verify(o, stats, emulator.rows(STREAM), result);
  await emulator.stop();
  return {
    mode: o.mode,
    worker: result,
    emulator: stats,
    eventsPerSec: o.backlog.events / (result.elapsedMs / 1000),
    emulatorCpuMs,
    azuriteCpuMs,
    otherCpuMs,
    workerProfile,
  };
}
