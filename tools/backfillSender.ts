import { setTimeout as sleep } from 'node:timers/promises';

/**
 * POSTs one request body to the Keeper door, retrying what a later try can fix: 429, 5xx, timeouts and connection
 * errors, with exponential backoff and full jitter, never sooner than the answer's Retry-After (RFC 9110 10.2.3:
 * seconds or an HTTP date). A 400 is the door refusing the events (the caller splits the request to find them);
 * the legacy "too large" answer (404 RequestTooLarge) asks for smaller requests; anything else stops the backfill.
 */

export interface SenderOptions {
  /** The Keeper door, e.g. http://localhost:7071/api/keeper/events. */
  url: string;
  /** The Functions key, sent as x-functions-key (never printed). */
  key?: string;
  /** Tries after the first before giving up. */
  maxRetries: number;
  /** First backoff step in ms; doubles each try, capped at maxDelayMs. */
  retryBaseMs: number;
  maxDelayMs: number;
  timeoutMs: number;
  onRetry?: (retry: RetryNotice) => void;
  /** Aborts a wait between tries (a request in flight is let finish). */
  signal?: AbortSignal;
}

export interface RetryNotice {
  attempt: number;
  delayMs: number;
  reason: string;
}

export type SendOutcome = { kind: 'accepted' } | { kind: 'refused'; reason: string } | { kind: 'too-large' };

/** The backfill cannot go on (wrong URL or key, retries used up): the checkpoint keeps what was acknowledged. */
export class BackfillStop extends Error {
  override name = 'BackfillStop';
}

/** The Retry-After header in ms, if present and valid. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Full-jitter exponential backoff (random in [0, min(cap, base * 2^attempt)]). */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random = Math.random): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}

async function errorText(response: Response): Promise<string> {
  const text = (await response.text().catch(() => '')).slice(0, 2000);
  try {
    const body = JSON.parse(text) as { Error?: string; Message?: string };
    if (body.Message) return `${body.Error ?? response.status}: ${body.Message}`;
  } catch {
    // not the legacy JSON answer
  }
  return `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
}

function connectionReason(error: unknown): string {
  const e = error as { name?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'timed out';
  return `connection failed (${e.cause?.code ?? e.cause?.message ?? e.name ?? 'unknown'})`;
}

/** Sends one body; resolves once the door accepted or refused it, throws BackfillStop when it cannot. */
export async function sendBody(body: string, contentType: string, options: SenderOptions): Promise<SendOutcome> {
  const headers: Record<string, string> = { 'content-type': contentType };
  if (options.key) headers['x-functions-key'] = options.key;
  for (let attempt = 0; ; attempt++) {
    let reason: string;
    let retryAfter: number | undefined;
    try {
      const response = await fetch(options.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(options.timeoutMs) });
      if (response.ok) {
        await response.body?.cancel();
        return { kind: 'accepted' };
      }
      const text = await errorText(response);
      if (response.status === 400) return { kind: 'refused', reason: text };
      if ((response.status === 404 && text.startsWith('RequestTooLarge')) || response.status === 413) return { kind: 'too-large' };
      if (response.status !== 429 && response.status < 500) {
        throw new BackfillStop(`the relay answered ${text} (check --url and --key)`);
      }
      reason = text;
      retryAfter = retryAfterMs(response.headers.get('retry-after'));
    } catch (error) {
      if (error instanceof BackfillStop) throw error;
      reason = connectionReason(error);
    }
    if (attempt >= options.maxRetries) throw new BackfillStop(`gave up after ${attempt + 1} tries: ${reason}`);
    const delayMs = Math.max(retryAfter ?? 0, backoffMs(attempt, options.retryBaseMs, options.maxDelayMs));
    options.onRetry?.({ attempt: attempt + 1, delayMs, reason });
    try {
      await sleep(delayMs, undefined, { signal: options.signal });
    } catch {
      throw new BackfillStop(`stopped while waiting to retry (${reason})`);
    }
  }
}
