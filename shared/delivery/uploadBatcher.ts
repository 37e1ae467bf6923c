import type { UploadTarget } from '../mapping/deliveryRoutes';
import { configurationAdvice, DeliveryError, uploadFailures, type FailureCause } from './deliveryError';
import type { UploadFn } from './ingestionClient';
import type { RecordObject } from '../ingest/recordRules';

/**
 * Shares upload calls between the messages a worker processes at the same time: rows from many messages are packed
 * into calls close to the 1 MB limit instead of one small call per message. Each message waits on a ticket that
 * settles when every one of its rows is accepted, or when one of them cannot be.
 */

/** Just under the SDK's 1,000,000-byte chunk, so one flush is one request. */
export const FLUSH_BYTES = 990_000;

export interface BatcherOptions {
  upload: UploadFn;
  log?: (message: string) => void;
  /**
   * How long a partly filled batch waits for more rows: restarted by every new message's rows and after every full
   * call, because under backlog the next messages arrive only once the previous call's messages completed.
   */
  lingerMs?: number;
  /** The longest a row waits for company before it goes in a partial call. */
  maxLingerMs?: number;
  /** Upload calls in flight per target. */
  maxInFlight?: number;
  /** Rounds of retry inside one invocation for throttling and transient faults, after the SDK's own retries. */
  maxAttempts?: number;
  /** First backoff for a throttle or fault the SDK does not retry (429 without Retry-After); doubles per attempt. */
  backoffMs?: number;
  flushBytes?: number;
}

export interface BatcherStats {
  calls: number;
  rows: number;
  /** Estimated uncompressed JSON bytes sent, to show how full calls are. */
  bytes: number;
  retriedRows: number;
}

interface Ticket {
  remaining: number;
  settled: boolean;
  resolve(): void;
  reject(error: DeliveryError): void;
}

interface PendingRow {
  row: RecordObject;
  size: number;
  ticket: Ticket;
  attempts: number;
}

interface TargetQueue {
  target: UploadTarget;
  pending: PendingRow[];
  pendingBytes: number;
  inFlight: number;
  timer?: NodeJS.Timeout;
  /** When the current linger window opened (first row into an empty buffer, or the last full call). */
  lingerFrom: number;
  /** Throttled or failing: no call before this time (the limit is per DCR). */
  pausedUntil: number;
}

export interface UploadBatcher {
  /** `sizes`: each row's JSON bytes when the caller measured them already (else they are measured here). */
  submit(target: UploadTarget, rows: RecordObject[], sizes?: readonly number[]): Promise<void>;
  stats(): BatcherStats;
}

export function createUploadBatcher(options: BatcherOptions): UploadBatcher {
  const { upload, log = () => undefined, lingerMs = 150, maxLingerMs = 2000, maxInFlight = 4, maxAttempts = 4, backoffMs = 1000, flushBytes = FLUSH_BYTES } =
    options;
  const queues = new Map<string, TargetQueue>();
  const advised = new Set<string>();
  const stats: BatcherStats = { calls: 0, rows: 0, bytes: 0, retriedRows: 0 };

  function queueFor(target: UploadTarget): TargetQueue {
    const key = `${target.endpoint}|${target.dcrImmutableId}|${target.stream}`;
    let q = queues.get(key);
    if (!q) queues.set(key, (q = { target, pending: [], pendingBytes: 0, inFlight: 0, pausedUntil: 0, lingerFrom: Date.now() }));
    return q;
  }

  /** (Re)arms the one timer of a target: the linger window, or the end of a pause. */
  function schedule(q: TargetQueue, delayMs: number, restart = false): void {
    if (q.timer && !restart) return;
    if (q.timer) clearTimeout(q.timer);
    q.timer = setTimeout(() => {
      q.timer = undefined;
      pump(q, true);
    }, Math.max(0, delayMs));
  }

  function lingerDelay(q: TargetQueue): number {
    return Math.min(lingerMs, q.lingerFrom + maxLingerMs - Date.now());
  }

  /** Starts calls while there is room: full batches at once, a partial one only when the linger expired. */
  function pump(q: TargetQueue, lingerExpired = false): void {
    const now = Date.now();
    if (q.pausedUntil > now) return schedule(q, q.pausedUntil - now, true);
    let fullCalls = 0;
    while (q.inFlight < maxInFlight && (q.pendingBytes >= flushBytes || (lingerExpired && q.pending.length > 0))) {
      const full = q.pendingBytes >= flushBytes;
      if (full) fullCalls++;
      startCall(q, takeBatch(q), full);
    }
    if (fullCalls > 0) q.lingerFrom = now;
    if (q.pending.length > 0) schedule(q, lingerDelay(q), fullCalls > 0);
  }

  function takeBatch(q: TargetQueue): PendingRow[] {
    let bytes = 0;
    let n = 0;
    while (n < q.pending.length && (n === 0 || bytes + q.pending[n]!.size < flushBytes)) bytes += q.pending[n++]!.size;
    q.pendingBytes -= bytes;
    return q.pending.splice(0, n);
  }

  function settleRow(p: PendingRow): void {
    if (p.ticket.settled) return;
    if (--p.ticket.remaining === 0) {
      p.ticket.settled = true;
      p.ticket.resolve();
    }
  }

  function rejectTicket(ticket: Ticket, error: DeliveryError): void {
    if (ticket.settled) return;
    ticket.settled = true;
    ticket.reject(error);
    // Its other rows need not go now: the whole message is retried or poisoned.
    for (const q of queues.values()) {
      const kept = q.pending.filter((p) => p.ticket !== ticket);
      if (kept.length !== q.pending.length) {
        q.pending = kept;
        q.pendingBytes = kept.reduce((n, p) => n + p.size, 0);
      }
    }
  }

  function startCall(q: TargetQueue, batch: PendingRow[], full = false): void {
    const live = batch.filter((p) => !p.ticket.settled);
    if (live.length === 0) return;
    q.inFlight++;
    stats.calls++;
    stats.rows += live.length;
    stats.bytes += live.reduce((n, p) => n + p.size, 0);
    const rows = live.map((p) => p.row);
    const t = q.target;
    void upload(t.endpoint, t.dcrImmutableId, t.stream, rows)
      .then(
        () => live.forEach(settleRow),
        (error: unknown) => handleFailure(q, live, error),
      )
      .finally(() => {
        q.inFlight--;
        // A full call's messages complete now and the host fetches the next ones: give the rest time to get company.
        if (full && q.pending.length > 0) {
          q.lingerFrom = Date.now();
          schedule(q, lingerDelay(q), true);
        }
        pump(q);
      });
  }

  function handleFailure(q: TargetQueue, batch: PendingRow[], error: unknown): void {
    const byRow = new Map(batch.map((p) => [p.row, p]));
    const failed = new Set<PendingRow>();
    for (const failure of uploadFailures(error, batch.map((p) => p.row))) {
      const rows = failure.rows.map((r) => byRow.get(r)).filter((p): p is PendingRow => p !== undefined);
      rows.forEach((p) => failed.add(p));
      handleFailedRows(q, rows, failure.cause);
    }
    // Chunks that succeeded are not rolled back by the service: their rows are done.
    for (const p of batch) if (!failed.has(p)) settleRow(p);
  }

  function handleFailedRows(q: TargetQueue, rows: PendingRow[], cause: FailureCause): void {
    const t = q.target;
    if (cause.kind === 'configuration') {
      const key = `${t.dcrImmutableId}|${t.stream}|${cause.statusCode ?? cause.code}`;
      if (!advised.has(key)) {
        advised.add(key);
        log(`relay: ${configurationAdvice(cause, t)}`);
      }
      const error = new DeliveryError('configuration', `Logs Ingestion refused the ${t.name} route (${cause.statusCode ?? cause.code ?? 'no token'})`, cause.statusCode);
      rows.forEach((p) => rejectTicket(p.ticket, error));
      return;
    }
    if (cause.kind === 'permanent') {
      const tickets = new Set(rows.map((p) => p.ticket));
      if (tickets.size > 1) {
        // Rows of several messages shared the call: upload each message's rows alone to find the one at fault.
        for (const ticket of tickets) startCall(q, rows.filter((p) => p.ticket === ticket).map((p) => ({ ...p, attempts: maxAttempts })));
        return;
      }
      const error = new DeliveryError('permanent', `Logs Ingestion refused the rows of the ${t.name} route: ${cause.statusCode} ${cause.code ?? ''}`.trim(), cause.statusCode);
      rows.forEach((p) => rejectTicket(p.ticket, error));
      return;
    }
    // Transient: the SDK already retried what it retries; back off (honouring Retry-After) and try again, a few rounds.
    const attempt = Math.max(...rows.map((p) => p.attempts)) + 1;
    const waitMs = cause.retryAfterSeconds !== undefined ? cause.retryAfterSeconds * 1000 : backoffMs * 2 ** (attempt - 1);
    q.pausedUntil = Math.max(q.pausedUntil, Date.now() + waitMs);
    for (const p of rows) {
      if (p.ticket.settled) continue;
      if (p.attempts + 1 >= maxAttempts) {
        rejectTicket(p.ticket, new DeliveryError('transient', `Logs Ingestion kept failing for the ${t.name} route (${cause.statusCode ?? cause.code ?? 'network error'})`, cause.statusCode));
        continue;
      }
      stats.retriedRows++;
      q.pending.unshift({ ...p, attempts: p.attempts + 1 });
      q.pendingBytes += p.size;
    }
    schedule(q, waitMs);
  }

  return {
    submit(target, rows, sizes) {
      if (rows.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const ticket: Ticket = { remaining: rows.length, settled: false, resolve, reject };
        const q = queueFor(target);
        if (q.pending.length === 0) q.lingerFrom = Date.now();
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i]!;
          // +1 for the comma between records, which the SDK's chunking does not count.
          const size = (sizes?.[i] ?? Buffer.byteLength(JSON.stringify(row))) + 1;
          q.pending.push({ row, size, ticket, attempts: 0 });
          q.pendingBytes += size;
        }
        pump(q);
        // New rows restart the wait for company (bounded by maxLingerMs), unless a pause is pending.
        if (q.pending.length > 0 && q.pausedUntil <= Date.now()) schedule(q, lingerDelay(q), true);
      });
    },
    stats: () => ({ ...stats }),
  };
}
