import type { UploadTarget } from '../mapping/deliveryRoutes';
import { classifyCause, configurationAdvice, DeliveryError, type FailureCause } from './deliveryError';
import type { UploadFn } from './ingestionClient';

/**
 * Shares upload calls between the messages a worker processes at the same time: rows from many messages are packed
 * into calls close to the 1 MB limit instead of one small call per message. Each message waits on a ticket that
 * settles when every one of its rows is accepted, or when one of them cannot be.
 *
 * When a partly filled call goes: never while a message is still mapping rows (a producer is busy) or a call of the
 * same target is in flight (its completion finishes messages, and the host then hands over the next ones); once
 * every producer waits on the batcher, after a short quiet time (invocations of one received batch arrive a little
 * apart), or, right after calls finished messages, after the refill time this worker has observed between a
 * finished message and the next one's rows (the host's delete and receive), adaptively. A row never waits more than
 * maxLingerMs in any case.
 */

/**
 * The SDKs' chunk limit (`SingleUploadThreshold = 1000000` in Azure.Monitor.Ingestion for .NET, `splitDataToChunks`
 * in @azure/monitor-ingestion), brackets and commas included, under the service's 1,048,576-byte content limit.
 */
export const MAX_CALL_BYTES = 1_000_000;

export interface BatcherOptions {
  upload: UploadFn;
  log?: (message: string) => void;
  /** The longest the batcher waits for the next messages after calls finished some (the refill time's bound). */
  lingerMs?: number;
  /** The quiet time after the last busy producer went idle before a partial call goes. */
  quietMs?: number;
  /** The longest a row waits for company before it goes in a partial call, whatever else happens. */
  maxLingerMs?: number;
  /** Upload calls in flight per target. */
  maxInFlight?: number;
  /** Rounds of retry inside one invocation for throttling and transient faults, after the SDK's own retries. */
  maxAttempts?: number;
  /** First backoff for a throttle or fault the SDK does not retry (429 without Retry-After); doubles per attempt. */
  backoffMs?: number;
  /** A call's body limit in bytes (at most MAX_CALL_BYTES). */
  flushBytes?: number;
}

export interface BatcherStats {
  calls: number;
  rows: number;
  /** Uncompressed body bytes sent (brackets and commas included). */
  bytes: number;
  retriedRows: number;
  /** Calls that went below 90% of the limit, and why: nothing more was coming, or a row waited maxLingerMs. */
  partialCalls: number;
  lingerExpired: number;
}

/** A message that is going to submit rows: while it is busy (mapping), partial calls wait for its rows. */
export interface Producer {
  /** Mapping again after waiting on its uploads. */
  busy(): void;
  /** Waiting on its own uploads: it adds nothing until they settle. */
  waiting(): void;
  /** Submitted everything (or gave up); idempotent. */
  close(): void;
}

interface Ticket {
  remaining: number;
  settled: boolean;
  resolve(): void;
  reject(error: DeliveryError): void;
}

interface PendingRow {
  text: string;
  /** UTF-8 bytes of the text plus its comma. */
  size: number;
  ticket: Ticket;
  attempts: number;
  since: number;
}

interface TargetQueue {
  target: UploadTarget;
  pending: PendingRow[];
  pendingBytes: number;
  inFlight: number;
  timer?: NodeJS.Timeout;
  /** When the partial call is due (the timer's time). */
  dueAt: number;
  /** Throttled or failing: no call before this time (the limit is per DCR). */
  pausedUntil: number;
}

export interface UploadBatcher {
  /** `texts`: the rows' JSON; `sizes`: their UTF-8 bytes when the caller measured them already. */
  submit(target: UploadTarget, texts: readonly string[], sizes?: readonly number[]): Promise<void>;
  /** Registers a message about to submit rows, busy (see Producer). */
  producer(): Producer;
  stats(): BatcherStats;
}

export function createUploadBatcher(options: BatcherOptions): UploadBatcher {
  const { upload, log = () => undefined, lingerMs = 150, quietMs = 2, maxLingerMs = 2000, maxInFlight = 4, maxAttempts = 4, backoffMs = 1000 } = options;
  const flushBytes = Math.min(options.flushBytes ?? MAX_CALL_BYTES, MAX_CALL_BYTES);
  const queues = new Map<string, TargetQueue>();
  const advised = new Set<string>();
  const stats: BatcherStats = { calls: 0, rows: 0, bytes: 0, retriedRows: 0, partialCalls: 0, lingerExpired: 0 };
  let busyProducers = 0;
  /** When calls last finished a message, for the refill time; cleared by the next producer. */
  let finishedAt: number | undefined;
  /** Smoothed time from finished messages to the next producer (the host's delete and receive). */
  let refillMs = 20;

  function queueFor(target: UploadTarget): TargetQueue {
    const key = `${target.endpoint}|${target.dcrImmutableId}|${target.stream}`;
    let q = queues.get(key);
    if (!q) queues.set(key, (q = { target, pending: [], pendingBytes: 0, inFlight: 0, dueAt: Infinity, pausedUntil: 0 }));
    return q;
  }

  function arm(q: TargetQueue, at: number): void {
    if (q.timer && q.dueAt <= at) return;
    if (q.timer) clearTimeout(q.timer);
    q.dueAt = at;
    q.timer = setTimeout(() => {
      q.timer = undefined;
      q.dueAt = Infinity;
      pump(q, true);
    }, Math.max(0, at - Date.now()));
  }

  function disarm(q: TargetQueue): void {
    if (q.timer) clearTimeout(q.timer);
    q.timer = undefined;
    q.dueAt = Infinity;
  }

  /** When the pending partial call may go: see the module comment. */
  function partialDueAt(q: TargetQueue, now: number): number {
    const lingerEnd = q.pending[0]!.since + maxLingerMs;
    if (busyProducers > 0 || q.inFlight > 0) return lingerEnd;
    const waitMs = finishedAt !== undefined && now - finishedAt < lingerMs ? Math.min(lingerMs, Math.max(quietMs, 2 * refillMs)) : quietMs;
    return Math.min(lingerEnd, now + waitMs);
  }

  /** Starts full calls while there is room; a partial one when it is due (`timerFired`: its time has come). */
  function pump(q: TargetQueue, timerFired = false): void {
    const now = Date.now();
    if (q.pausedUntil > now) return arm(q, q.pausedUntil);
    while (q.inFlight < maxInFlight && q.pendingBytes >= flushBytes) startCall(q, takeBatch(q));
    if (q.pending.length === 0) return disarm(q);
    if (q.inFlight >= maxInFlight) return;
    if (timerFired) {
      const idle = busyProducers === 0 && q.inFlight === 0;
      if (idle || now >= q.pending[0]!.since + maxLingerMs) {
        if (!idle) stats.lingerExpired++;
        startCall(q, takeBatch(q));
        return pump(q);
      }
    }
    // The earliest due time stands; when it comes the timer looks again (a producer may have become busy since).
    arm(q, partialDueAt(q, now));
  }

  function pumpAll(): void {
    for (const q of queues.values()) if (q.pending.length > 0) pump(q);
  }

  function takeBatch(q: TargetQueue): PendingRow[] {
    let bytes = 1;
    let n = 0;
    while (n < q.pending.length && (n === 0 || bytes + q.pending[n]!.size <= flushBytes)) bytes += q.pending[n++]!.size;
    q.pendingBytes -= bytes - 1;
    return q.pending.splice(0, n);
  }

  function settleRow(p: PendingRow): boolean {
    if (p.ticket.settled) return false;
    if (--p.ticket.remaining > 0) return false;
    p.ticket.settled = true;
    p.ticket.resolve();
    return true;
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

  function startCall(q: TargetQueue, batch: PendingRow[]): void {
    const live = batch.filter((p) => !p.ticket.settled);
    if (live.length === 0) return;
    const bytes = live.reduce((n, p) => n + p.size, 1);
    q.inFlight++;
    stats.calls++;
    stats.rows += live.length;
    stats.bytes += bytes;
    if (bytes < 0.9 * flushBytes) stats.partialCalls++;
    void upload(
      q.target,
      live.map((p) => p.text),
    )
      .then(
        () => live.reduce((finished, p) => settleRow(p) || finished, false),
        (error: unknown) => {
          handleFailure(q, live, error);
          return false;
        },
      )
      .then((finished) => {
        q.inFlight--;
        if (finished) finishedAt = Date.now();
        pump(q);
      });
  }

  /** A call is one request, so a failure concerns all its rows. */
  function handleFailure(q: TargetQueue, batch: PendingRow[], error: unknown): void {
    const cause = classifyCause(error);
    const t = q.target;
    if (cause.kind === 'configuration') {
      const key = `${t.dcrImmutableId}|${t.stream}|${cause.statusCode ?? cause.code}`;
      if (!advised.has(key)) {
        advised.add(key);
        log(`relay: ${configurationAdvice(cause, t)}`);
      }
      const failure = new DeliveryError('configuration', `Logs Ingestion refused the ${t.name} route (${cause.statusCode ?? cause.code ?? 'no token'})`, cause.statusCode);
      batch.forEach((p) => rejectTicket(p.ticket, failure));
      return;
    }
    if (cause.kind === 'permanent') {
      const tickets = new Set(batch.map((p) => p.ticket));
      if (tickets.size > 1) {
        // Rows of several messages shared the call: upload each message's rows alone to find the one at fault.
        for (const ticket of tickets) startCall(q, batch.filter((p) => p.ticket === ticket).map((p) => ({ ...p, attempts: maxAttempts })));
        return;
      }
      const failure = new DeliveryError('permanent', `Logs Ingestion refused the rows of the ${t.name} route: ${cause.statusCode} ${cause.code ?? ''}`.trim(), cause.statusCode);
      batch.forEach((p) => rejectTicket(p.ticket, failure));
      return;
    }
    retryLater(q, batch, cause);
  }

  /** Transient: the SDK already retried what it retries; back off (honouring Retry-After) and try again, a few rounds. */
  function retryLater(q: TargetQueue, batch: PendingRow[], cause: FailureCause): void {
    const attempt = Math.max(...batch.map((p) => p.attempts)) + 1;
    const waitMs = cause.retryAfterSeconds !== undefined ? cause.retryAfterSeconds * 1000 : backoffMs * 2 ** (attempt - 1);
    q.pausedUntil = Math.max(q.pausedUntil, Date.now() + waitMs);
    const again: PendingRow[] = [];
    for (const p of batch) {
      if (p.ticket.settled) continue;
      if (p.attempts + 1 >= maxAttempts) {
        rejectTicket(p.ticket, new DeliveryError('transient', `Logs Ingestion kept failing for the ${q.target.name} route (${cause.statusCode ?? cause.code ?? 'network error'})`, cause.statusCode));
        continue;
      }
      stats.retriedRows++;
      again.push({ ...p, attempts: p.attempts + 1 });
    }
    // Back at the front, in their order: the same call goes again once the pause ends.
    q.pending = [...again.filter((p) => !p.ticket.settled), ...q.pending];
    q.pendingBytes = q.pending.reduce((n, p) => n + p.size, 0);
  }

  return {
    submit(target, texts, sizes) {
      if (texts.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const ticket: Ticket = { remaining: texts.length, settled: false, resolve, reject };
        const q = queueFor(target);
        const since = Date.now();
        for (let i = 0; i < texts.length; i++) {
          const text = texts[i]!;
          // +1 for the comma (or closing bracket) after each row.
          const size = (sizes?.[i] ?? Buffer.byteLength(text)) + 1;
          q.pending.push({ text, size, ticket, attempts: 0, since });
          q.pendingBytes += size;
        }
        pump(q);
      });
    },
    producer() {
      if (finishedAt !== undefined) {
        const gap = Date.now() - finishedAt;
        if (gap < lingerMs) refillMs = 0.7 * refillMs + 0.3 * gap;
        finishedAt = undefined;
      }
      let state: 'busy' | 'waiting' | 'closed' = 'busy';
      busyProducers++;
      const become = (next: 'busy' | 'waiting' | 'closed') => {
        if (state === 'closed' || state === next) return;
        if (state === 'busy') busyProducers--;
        if (next === 'busy') busyProducers++;
        state = next;
        if (busyProducers === 0) pumpAll();
      };
      return { busy: () => become('busy'), waiting: () => become('waiting'), close: () => become('closed') };
    },
    stats: () => ({ ...stats }),
  };
}
