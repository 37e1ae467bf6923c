import { METRICS, metricName, type MetricKey } from './metricNames';
import { relayMetrics, type RelayMetrics } from './relayMetrics';

/**
 * The relay's counters in one worker process: every metric call goes through here, which keeps in-process totals
 * (for the local console summary, /api/health and the status blobs) and forwards the value to Application Insights
 * (`relayMetrics`). Memory is bounded: the last hour is kept as per-minute buckets of at most MAX_KEYS series.
 */

export type Dimensions = Readonly<Record<string, string>>;

export interface CounterEvent {
  key: MetricKey;
  value: number;
  dimensions: Dimensions;
}

/** One destination (DCR stream): when it last accepted rows, and the configuration error it answers now, if any. */
export interface DestinationStatus {
  stream: string;
  lastSuccessAt?: string;
  /** Set by a 401/403/404 (or no token) and cleared by the next success. */
  configurationError?: { status: string; advice: string; at: string };
}

export interface RowsPerLogType {
  logType: string;
  stream: string;
  rows: number;
}

export interface CounterSnapshot {
  /** When this process started counting (ISO 8601). */
  since: string;
  /** Sums per metric since `since`. */
  totals: Record<MetricKey, number>;
  /** Refusals per legacy error code since `since`. */
  refusedByCode: Record<string, number>;
  /** Rows delivered per Log-Type and stream in the last 60 minutes. */
  rowsLastHour: RowsPerLogType[];
  /** Largest receive-to-upload lag of the last 60 minutes, seconds. */
  maxLagSecondsLastHour?: number;
  destinations: DestinationStatus[];
}

export interface RelayCounters {
  /** Adds `value` to a metric (counts) or records it (lag, gauges); never throws. */
  count(key: MetricKey, value: number, dimensions?: Dimensions): void;
  uploadSucceeded(stream: string, at?: Date): void;
  configurationError(stream: string, status: string, advice: string, at?: Date): void;
  snapshot(now?: Date): CounterSnapshot;
  /** Per-event listener (the local console's `--verbose`); returns the unsubscribe function. */
  onEvent(listener: (event: CounterEvent) => void): () => void;
}

const MINUTE_MS = 60_000;
const WINDOW_MINUTES = 60;
/** Series (Log-Type × stream) per minute bucket; beyond it rows count under "(other)". */
const MAX_KEYS = 500;
/** Metrics that are samples, not counts: recorded, not summed into totals. */
const GAUGES: ReadonlySet<MetricKey> = new Set(['deliveryLag', 'queueDepth', 'queueOldestAge', 'poisonDepth']);

interface Bucket {
  minute: number;
  rows: Map<string, number>;
  maxLag: number;
}

export function createRelayCounters(metrics: RelayMetrics | undefined, now: () => Date = () => new Date()): RelayCounters {
  const since = now().toISOString();
  const totals = new Map<MetricKey, number>();
  const refusedByCode = new Map<string, number>();
  const destinations = new Map<string, DestinationStatus>();
  const buckets: Bucket[] = [];
  const listeners = new Set<(event: CounterEvent) => void>();

  function bucket(at: Date): Bucket {
    const minute = Math.floor(at.getTime() / MINUTE_MS);
    let last = buckets.at(-1);
    if (!last || last.minute !== minute) {
      buckets.push((last = { minute, rows: new Map(), maxLag: 0 }));
      while (buckets.length > 0 && buckets[0]!.minute <= minute - WINDOW_MINUTES) buckets.shift();
    }
    return last;
  }

  function destination(stream: string): DestinationStatus {
    let d = destinations.get(stream);
    if (!d) destinations.set(stream, (d = { stream }));
    return d;
  }

  return {
    count(key, value, dimensions = {}) {
      try {
        if (!GAUGES.has(key)) totals.set(key, (totals.get(key) ?? 0) + value);
        if (key === 'requestsRefused') refusedByCode.set(dimensions.code ?? 'unknown', (refusedByCode.get(dimensions.code ?? 'unknown') ?? 0) + value);
        if (key === 'rowsDelivered') {
          const b = bucket(now());
          let series = `${dimensions.logType ?? ''}\u0000${dimensions.stream ?? ''}`;
          if (!b.rows.has(series) && b.rows.size >= MAX_KEYS) series = `(other)\u0000${dimensions.stream ?? ''}`;
          b.rows.set(series, (b.rows.get(series) ?? 0) + value);
        }
        if (key === 'deliveryLag') {
          const b = bucket(now());
          b.maxLag = Math.max(b.maxLag, value);
        }
        metrics?.track(metricName(key), value, dimensions);
        for (const listener of listeners) listener({ key, value, dimensions });
      } catch {
        // Counting is an aid: it must never stop a request or a delivery.
      }
    },
    uploadSucceeded(stream, at = now()) {
      const d = destination(stream);
      d.lastSuccessAt = at.toISOString();
      d.configurationError = undefined;
    },
    configurationError(stream, status, advice, at = now()) {
      destination(stream).configurationError = { status, advice, at: at.toISOString() };
    },
    snapshot(at = now()) {
      const from = Math.floor(at.getTime() / MINUTE_MS) - WINDOW_MINUTES;
      const rows = new Map<string, number>();
      let maxLag: number | undefined;
      for (const b of buckets) {
        if (b.minute <= from) continue;
        for (const [series, n] of b.rows) rows.set(series, (rows.get(series) ?? 0) + n);
        if (b.rows.size > 0 || b.maxLag > 0) maxLag = Math.max(maxLag ?? 0, b.maxLag);
      }
      const all = Object.fromEntries((Object.keys(METRICS) as MetricKey[]).map((k) => [k, totals.get(k) ?? 0])) as Record<MetricKey, number>;
      return {
        since,
        totals: all,
        refusedByCode: Object.fromEntries(refusedByCode),
        rowsLastHour: [...rows].map(([series, n]) => {
          const [logType = '', stream = ''] = series.split('\u0000');
          return { logType, stream, rows: n };
        }),
        maxLagSecondsLastHour: maxLag,
        destinations: [...destinations.values()].map((d) => ({ ...d })),
      };
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

let shared: RelayCounters | undefined;

/** The process's counters (one per worker process, like the metrics client). */
export function relayCounters(): RelayCounters {
  shared ??= createRelayCounters(relayMetrics());
  return shared;
}
