import type { MetricKey } from './metricNames';
import type { CounterSnapshot, RelayCounters } from './relayCounters';

/** What waits in storage, for the local console's summary (from shared/operations/health.ts's backlog check). */
export interface BacklogFigures {
  queued?: number;
  oldestSeconds?: number;
  poison?: number;
}

const n = (v: number) => v.toLocaleString('en-US');

function delta(prev: CounterSnapshot | undefined, next: CounterSnapshot, key: MetricKey): number {
  return next.totals[key] - (prev?.totals[key] ?? 0);
}

/**
 * One line for a period of traffic, e.g.
 * `relay: last 5 s: accepted 12 requests (3,000 records), refused 1 (InvalidAuthorization 1), delivered 3,000 rows,
 * deferred 0, poisoned 0, drift 40 values without a column; backlog 8 queued (oldest 3 s), 0 poison`. Undefined when nothing happened.
 */
export function summaryLine(
  prev: CounterSnapshot | undefined,
  next: CounterSnapshot,
  periodSeconds: number,
  backlog?: BacklogFigures,
  prevBacklog?: BacklogFigures,
): string | undefined {
  const d = (key: MetricKey) => delta(prev, next, key);
  const moved = ['requestsAccepted', 'requestsRefused', 'rowsDelivered', 'messagesDeferred', 'messagesPoisoned', 'schemaDrift'].some((k) => d(k as MetricKey) !== 0);
  const waiting = (backlog?.queued ?? 0) > 0 || (backlog?.poison ?? 0) > 0;
  // A backlog or poison that just sits there is said once, not every period.
  const backlogChanged = backlog?.queued !== prevBacklog?.queued || backlog?.poison !== prevBacklog?.poison;
  if (!moved && !(waiting && backlogChanged)) return undefined;
  const codes = Object.entries(next.refusedByCode)
    .map(([code, count]) => [code, count - (prev?.refusedByCode[code] ?? 0)] as const)
    .filter(([, count]) => count > 0)
    .map(([code, count]) => `${code} ${n(count)}`);
  const parts = [
    `accepted ${n(d('requestsAccepted'))} requests (${n(d('recordsAccepted'))} records)`,
    `refused ${n(d('requestsRefused'))}${codes.length ? ` (${codes.join(', ')})` : ''}`,
    `delivered ${n(d('rowsDelivered'))} rows`,
    `deferred ${n(d('messagesDeferred'))}`,
    `poisoned ${n(d('messagesPoisoned'))}`,
    `drift ${n(d('schemaDrift'))} values without a column`,
  ];
  const tail = backlog
    ? `; backlog ${backlog.queued === undefined ? '?' : n(backlog.queued)} queued${backlog.oldestSeconds !== undefined ? ` (oldest ${n(Math.round(backlog.oldestSeconds))} s)` : ''}, ${backlog.poison === undefined ? '?' : n(backlog.poison)} poison`
    : '';
  return `relay: last ${periodSeconds} s: ${parts.join(', ')}${tail}`;
}

/**
 * Logs `summaryLine` every `everyMs` while something happens (and when a waiting backlog changes, when `backlog` is
 * given).
 * Returns the stop function; the timer never keeps the process alive.
 */
export function startSummaryLog(
  counters: RelayCounters,
  log: (line: string) => void,
  everyMs: number,
  backlog?: () => Promise<BacklogFigures>,
): () => void {
  let prev = counters.snapshot();
  let prevFigures: BacklogFigures | undefined;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      const figures = backlog ? await backlog().catch(() => ({}) as BacklogFigures) : undefined;
      const next = counters.snapshot();
      const line = summaryLine(prev, next, Math.round(everyMs / 1000), figures, prevFigures);
      prev = next;
      prevFigures = figures;
      if (line) log(line);
    })().finally(() => (busy = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
