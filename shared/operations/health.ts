import { mergeDestination, readInstanceStatus } from './instanceStatus';
import { countParkedEnvelopes } from '../handoff/parkedEnvelopes';
import { readEnvelope } from '../handoff/queueEnvelope';
import type { CounterSnapshot, DestinationStatus, RowsPerLogType } from './relayCounters';
import type { StorageClients } from '../handoff/storageClients';

/**
 * The relay's health, as `GET /api/health` answers it and `npm run status` prints it: storage reachable, backlog
 * (queue depth, age of the oldest waiting request), poison count, last successful upload per destination (from every
 * instance's status blob), and configuration problems with their fix.
 *
 * Overall status: `healthy`, or `degraded` with one `problems` entry per cause. HTTP status: 503 only when this
 * instance cannot accept data (storage unreachable, settings unresolved), so a load balancer takes it out; a delivery
 * problem (Logs Ingestion refusing, poison, an old backlog) is `degraded` with 200, because replacing the instance
 * would not fix it and the relay still keeps what senders post.
 */

export interface HealthProblem {
  cause: string;
  fix: string;
  /** True when this instance cannot durably accept requests. */
  blocksIntake: boolean;
}

export interface HealthReport {
  status: 'healthy' | 'degraded';
  httpStatus: 200 | 503;
  checkedAt: string;
  storage: { reachable: boolean; error?: string };
  queue: { name: string; depth?: number; oldestMessageAgeSeconds?: number };
  poison: { name: string; depth?: number };
  /** Requests parked as blobs while the queue refused writes, waiting for the sweeper (`atLeast`: counting stopped). */
  parked?: { count: number; atLeast: boolean };
  destinations: DestinationStatus[];
  rowsLastHour: RowsPerLogType[];
  maxLagSecondsLastHour?: number;
  instances: number;
  problems: HealthProblem[];
}

export interface HealthOptions {
  /** A backlog older than this is a problem (default 15 minutes, the alert's default). */
  maxBacklogAgeSeconds?: number;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  /** Storage calls give up after this long (default 5 s): a health probe must answer promptly. */
  timeoutMs?: number;
  /** This process's own counters, fresher than its status blob (the health function passes them). */
  local?: CounterSnapshot;
}

/** App settings that still hold `@Microsoft.KeyVault(...)`: the platform could not resolve them. */
export function unresolvedKeyVaultReferences(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([name, value]) => /^(RELAY_|AZURE_|APPLICATIONINSIGHTS_)/.test(name) && value?.trim().startsWith('@Microsoft.KeyVault('))
    .map(([name]) => name)
    .sort();
}

function describe(error: unknown): string {
  const e = error as { name?: string; code?: string; statusCode?: number; message?: string };
  if (e.name === 'AbortError') return 'no answer within the time limit';
  const parts = [e.code, e.statusCode].filter((v) => v !== undefined && v !== '');
  return parts.length ? parts.join(' ') : (e.name ?? 'error');
}

export async function checkHealth(storage: StorageClients, options: HealthOptions = {}): Promise<HealthReport> {
  const { maxBacklogAgeSeconds = 900, env = process.env, now = () => new Date(), timeoutMs = 5000 } = options;
  const at = now();
  const report: HealthReport = {
    status: 'healthy',
    httpStatus: 200,
    checkedAt: at.toISOString(),
    storage: { reachable: true },
    queue: { name: storage.queue.name },
    poison: { name: storage.poisonQueue.name },
    destinations: [],
    rowsLastHour: [],
    instances: 0,
    problems: [],
  };
  const abortSignal = AbortSignal.timeout(timeoutMs);

  for (const name of unresolvedKeyVaultReferences(env)) {
    report.problems.push({
      cause: `${name} is an unresolved Key Vault reference`,
      fix: "Grant the Function App's identity Key Vault Secrets User on the vault (azd up does; new assignments take up to 30 minutes) and check the secret exists.",
      blocksIntake: true,
    });
  }

  try {
    const [queue, poison] = await Promise.all([queueFigures(storage.queue, at, abortSignal), queueFigures(storage.poisonQueue, at, abortSignal)]);
    report.queue = { ...report.queue, depth: queue.depth, oldestMessageAgeSeconds: queue.oldestSeconds };
    report.poison = { ...report.poison, depth: poison.depth };
  } catch (error) {
    report.storage = { reachable: false, error: describe(error) };
    report.problems.push({
      cause: `storage unreachable (${describe(error)}): requests are refused with 503 and nothing is delivered`,
      fix: 'Check RELAY_STORAGE (locally: is Azurite running? npm start starts it) or the storage account, its network rules and the identity\'s Storage Queue/Blob Data Contributor roles.',
      blocksIntake: true,
    });
  }

  if (report.storage.reachable) {
    try {
      report.parked = await countParkedEnvelopes(storage.container, abortSignal);
    } catch {
      // Unknown rather than a failure: the queue figures above decide reachability.
    }
    try {
      const merged = await readInstanceStatus(storage.status, at);
      report.destinations = merged.destinations;
      report.rowsLastHour = merged.rowsLastHour;
      report.maxLagSecondsLastHour = merged.maxLagSecondsLastHour;
      report.instances = merged.instances;
    } catch {
      // The status blobs are an aid; the queue figures above already answer "is it moving".
    }
  }
  if (options.local) {
    const byStream = new Map(report.destinations.map((d) => [d.stream, d]));
    for (const d of options.local.destinations) byStream.set(d.stream, mergeDestination(byStream.get(d.stream), d));
    report.destinations = [...byStream.values()];
    if (report.instances === 0) {
      report.rowsLastHour = options.local.rowsLastHour;
      report.maxLagSecondsLastHour = options.local.maxLagSecondsLastHour;
    }
  }

  for (const d of report.destinations) {
    if (d.configurationError) {
      report.problems.push({ cause: `Logs Ingestion answers ${d.configurationError.status} for ${d.stream} (since ${d.configurationError.at})`, fix: d.configurationError.advice, blocksIntake: false });
    }
  }
  if ((report.poison.depth ?? 0) > 0) {
    report.problems.push({ cause: `${report.poison.depth} message(s) in ${report.poison.name}`, fix: 'npm run redrive lists them with their reasons; fix the cause, then npm run redrive -- --move.', blocksIntake: false });
  }
  if ((report.parked?.count ?? 0) > 0) {
    report.problems.push({
      cause: `${report.parked!.count}${report.parked!.atLeast ? '+' : ''} request(s) parked as blobs while the queue refused writes`,
      fix: 'They are kept and the sweepParked timer moves them into the queue each minute; if the count does not fall, check the queue (throttling, network rules, the identity\'s Storage Queue Data Contributor role).',
      blocksIntake: false,
    });
  }
  const oldest = report.queue.oldestMessageAgeSeconds;
  if (oldest !== undefined && oldest > maxBacklogAgeSeconds) {
    report.problems.push({
      cause: `the oldest waiting request was received ${Math.round(oldest)} s ago (limit ${maxBacklogAgeSeconds} s)`,
      fix: 'Delivery is stalled or behind: see the destinations above and the function logs (errors name their fix).',
      blocksIntake: false,
    });
  }
  if (report.problems.length > 0) report.status = 'degraded';
  if (report.problems.some((p) => p.blocksIntake)) report.httpStatus = 503;
  return report;
}

/** Depth, and the age of the first visible message from the receive time in its envelope (else its insertion). */
async function queueFigures(queue: StorageClients['queue'], at: Date, abortSignal: AbortSignal): Promise<{ depth: number; oldestSeconds?: number }> {
  if (!(await queue.exists({ abortSignal }))) return { depth: 0 };
  const depth = (await queue.getProperties({ abortSignal })).approximateMessagesCount ?? 0;
  if (depth === 0) return { depth };
  const [first] = (await queue.peekMessages({ numberOfMessages: 1, abortSignal })).peekedMessageItems;
  if (!first) return { depth };
  const read = readEnvelope(first.messageText);
  const since = 'envelope' in read ? new Date(read.envelope.receivedAt) : first.insertedOn;
  return { depth, oldestSeconds: Math.max(0, (at.getTime() - since.getTime()) / 1000) };
}

/**
 * The answer when the relay's settings do not load (a missing setting, an unresolved Key Vault reference): nothing can
 * be checked or accepted, so 503 with every settings problem as its own cause.
 */
export function settingsFailureReport(error: Error, env: NodeJS.ProcessEnv = process.env, now = new Date()): HealthReport {
  const lines = error.message.split('\n').slice(1).map((l) => l.replace(/^\s*-\s*/, '')).filter(Boolean);
  const unresolved = unresolvedKeyVaultReferences(env).map((name) => `${name} is an unresolved Key Vault reference`);
  const causes = [...new Set([...(lines.length ? lines : [error.message]), ...unresolved])];
  return {
    status: 'degraded',
    httpStatus: 503,
    checkedAt: now.toISOString(),
    storage: { reachable: false, error: 'not checked: the settings do not load' },
    queue: { name: env.RELAY_QUEUE_NAME ?? 'relay-ingest' },
    poison: { name: `${env.RELAY_QUEUE_NAME ?? 'relay-ingest'}-poison` },
    destinations: [],
    rowsLastHour: [],
    instances: 0,
    problems: causes.map((cause) => ({
      cause,
      fix: 'Fix the app setting (Function App > Settings > Environment variables; for a Key Vault reference grant the app identity Key Vault Secrets User and check the secret), then restart the app.',
      blocksIntake: true,
    })),
  };
}
