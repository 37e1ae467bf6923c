import { hostname } from 'node:os';
import type { ContainerClient } from '@azure/storage-blob';
import type { CounterSnapshot, DestinationStatus, RelayCounters, RowsPerLogType } from './relayCounters';
import type { StorageClients } from '../handoff/storageClients';

/**
 * Each worker process writes its counters to one small blob, `<container>-status/<instance>.json`, at most every
 * 30 s and only when they changed, so /api/health and `npm run status` see every instance's last uploads, rows of the
 * last hour and configuration errors, whichever instance answers. One blob per instance: writes never contend.
 */

export interface InstanceStatus {
  instance: string;
  writtenAt: string;
  snapshot: CounterSnapshot;
}

/** What the instances of the last hour say together. */
export interface MergedStatus {
  instances: number;
  rowsLastHour: RowsPerLogType[];
  maxLagSecondsLastHour?: number;
  destinations: DestinationStatus[];
}

const WRITE_EVERY_MS = 30_000;
const FRESH_MS = 60 * 60_000;
/** Enough for Flex's default maximum of 100 instances. */
const MAX_INSTANCES = 200;

export function instanceName(env: NodeJS.ProcessEnv = process.env): string {
  // WEBSITE_INSTANCE_ID names a Functions instance; locally the host and process.
  return (env.WEBSITE_INSTANCE_ID ?? `${hostname()}-${process.pid}`).replace(/[^A-Za-z0-9-]/g, '-').slice(0, 120);
}

/** Writes this process's status now (used by the timer and by tests); storage faults are swallowed, reported once. */
export async function writeInstanceStatus(container: ContainerClient, counters: RelayCounters, instance = instanceName()): Promise<void> {
  const body: InstanceStatus = { instance, writtenAt: new Date().toISOString(), snapshot: counters.snapshot() };
  const text = JSON.stringify(body);
  await container.getBlockBlobClient(`instances/${instance}.json`).upload(text, Buffer.byteLength(text), { blobHTTPHeaders: { blobContentType: 'application/json' } });
}

export function startInstanceStatus(
  storage: Pick<StorageClients, 'status'>,
  counters: RelayCounters,
  everyMs = Number(process.env.RELAY_STATUS_WRITE_SECONDS ?? 0) * 1000 || WRITE_EVERY_MS,
): () => void {
  let last = '';
  let created = false;
  let warned = false;
  const timer = setInterval(() => {
    const snapshot = counters.snapshot();
    const key = JSON.stringify(snapshot);
    if (key === last) return;
    void (async () => {
      if (!created) await storage.status.createIfNotExists().catch((e: { statusCode?: number }) => { if (e.statusCode !== 403) throw e; });
      created = true;
      await writeInstanceStatus(storage.status, counters);
      last = key;
    })().catch((error: unknown) => {
      if (!warned) console.warn(`relay: could not write the instance status blob (health shows less until storage answers): ${(error as Error).message}`);
      warned = true;
    });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Merges the status blobs written in the last hour (at most MAX_INSTANCES, newest first). */
export async function readInstanceStatus(container: ContainerClient, now = new Date()): Promise<MergedStatus> {
  const merged: MergedStatus = { instances: 0, rowsLastHour: [], destinations: [] };
  if (!(await container.exists())) return merged;
  const fresh: string[] = [];
  for await (const blob of container.listBlobsFlat({ prefix: 'instances/' })) {
    const modified = blob.properties.lastModified?.getTime() ?? 0;
    if (now.getTime() - modified <= FRESH_MS) fresh.push(blob.name);
    if (fresh.length >= MAX_INSTANCES) break;
  }
  const rows = new Map<string, RowsPerLogType>();
  const destinations = new Map<string, DestinationStatus>();
  for (const name of fresh) {
    let status: InstanceStatus;
    try {
      status = JSON.parse((await container.getBlobClient(name).downloadToBuffer()).toString('utf8')) as InstanceStatus;
    } catch {
      continue;
    }
    merged.instances++;
    for (const r of status.snapshot.rowsLastHour) {
      const key = `${r.logType}\u0000${r.stream}`;
      const sum = rows.get(key);
      rows.set(key, sum ? { ...sum, rows: sum.rows + r.rows } : { ...r });
    }
    if (status.snapshot.maxLagSecondsLastHour !== undefined) merged.maxLagSecondsLastHour = Math.max(merged.maxLagSecondsLastHour ?? 0, status.snapshot.maxLagSecondsLastHour);
    for (const d of status.snapshot.destinations) destinations.set(d.stream, mergeDestination(destinations.get(d.stream), d));
  }
  merged.rowsLastHour = [...rows.values()].sort((a, b) => b.rows - a.rows);
  merged.destinations = [...destinations.values()];
  return merged;
}

/** The latest success wins; a configuration error counts only if no instance succeeded after it. */
export function mergeDestination(a: DestinationStatus | undefined, b: DestinationStatus): DestinationStatus {
  if (!a) return { ...b };
  const lastSuccessAt = [a.lastSuccessAt, b.lastSuccessAt].filter((t): t is string => !!t).sort().at(-1);
  const error = [a.configurationError, b.configurationError].filter((e) => !!e).sort((x, y) => x!.at.localeCompare(y!.at)).at(-1);
  return { stream: a.stream, lastSuccessAt, configurationError: error && (!lastSuccessAt || error.at > lastSuccessAt) ? error : undefined };
}
