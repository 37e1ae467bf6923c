import path from 'node:path';
import { parseArgs } from 'node:util';
import { runBackfill, type BackfillSummary } from './backfillRun';

/**
 * npm run backfill -- <files or folders> [--url URL] [--key KEY] [--since T] [--until T] [--dry-run] ...
 * Sends Keeper Admin Console exports (JSON, CSV, Syslog) to the relay's Keeper door. See docs/backfill.md.
 */

const USAGE = `Usage: npm run backfill -- <export files or folders> [options]

Sends Keeper event exports (JSON, CSV or Syslog, any size) to the relay's Keeper door, resumably.

Options:
  --url URL              the Keeper door (default $BACKFILL_URL or http://localhost:7071/api/keeper/events)
  --key KEY              the function key (default $BACKFILL_KEY); sent as x-functions-key, never printed
  --since TIME           only events at or after TIME (ISO 8601, e.g. 2026-09-01 or 2026-09-01T12:00Z)
  --until TIME           only events before TIME
  --dry-run              read, check and count only; nothing is sent, no checkpoint written
  --checkpoint FILE      where progress is kept (default ./backfill-checkpoint.json)
  --fresh                ignore the checkpoint and start from the beginning
  --request-mb N         request body size in MB (default 4; the door takes up to 30)
  --max-retries N        tries after the first for 429/5xx/connection errors (default 10)
  --progress-seconds N   seconds between progress lines when not on a terminal (default 10)
  -h, --help             this text

Exit status:
  0    every event of every file sent (or, with --dry-run, every file read)
  1    a file failed (it cannot be read to its end: the events before the broken part were sent) or the run
       stopped before all files were done (run again to resume)
  2    all files done, but some events were refused (listed; fix them and send those lines as a new file)
  130  interrupted (Ctrl-C)`;

function parseTime(flag: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(ms)) throw new Error(`${flag} '${value}' is not a time (use ISO 8601, e.g. 2026-09-01 or 2026-09-01T12:00:00Z)`);
  return new Date(ms);
}

function positiveNumber(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} '${value}' is not a positive number`);
  return n;
}

const count = (n: number) => n.toLocaleString('en-US');

/** The run summary, as printed at the end (also the per-day table for the KQL completeness check). */
export function formatSummary(summary: BackfillSummary): string {
  const lines: string[] = [];
  const done = summary.files.filter((f) => f.status === 'done').length;
  const verb = summary.dryRun ? 'would be sent (dry run)' : 'sent and acknowledged';
  lines.push(`Backfill summary`);
  const thisRun = `${count(summary.sentThisRun)} in this run, in ${count(summary.requests)} requests, ${count(summary.retries)} retries`;
  lines.push(`  events ${verb}: ${count(summary.sent)}${summary.dryRun ? '' : ` (${thisRun})`}`);
  lines.push(`  events refused: ${count(summary.refused)}`);
  for (const f of summary.files) {
    for (const r of f.progress.refusals) lines.push(`    ${path.basename(f.file)}:${r.line}: ${r.reason}`);
    if (f.progress.refused > f.progress.refusals.length) lines.push(`    ${path.basename(f.file)}: ... ${count(f.progress.refused - f.progress.refusals.length)} more`);
  }
  if (summary.outside > 0) lines.push(`  events outside --since/--until (not sent): ${count(summary.outside)}`);
  lines.push(`  files done: ${done} of ${summary.files.length}`);
  for (const f of summary.files) {
    const what = f.status === 'done' ? `${count(f.progress.sent)} events` : f.status === 'failed' ? `failed: ${f.error}` : `${f.status} after ${count(f.progress.position)} events`;
    lines.push(`    ${f.status === 'done' ? 'done ' : f.status === 'failed' ? 'FAIL ' : 'left '} ${f.file} (${f.format ?? '?'}): ${what}`);
  }
  if (summary.stopReason) lines.push(`  stopped: ${summary.stopReason}`);
  const days = Object.keys(summary.days).sort();
  if (days.length > 0) {
    lines.push('Events per day (UTC, event time), to compare with the KQL in docs/backfill.md:');
    for (const day of days) lines.push(`  ${day}  ${count(summary.days[day]!)}`);
  }
  return lines.join('\n');
}

/**
 * The exit status: 130 interrupted; 1 stopped, or a file failed or was left unfinished (its events are not all
 * sent; a dry run too, since the real run would fail the same way); 2 every file done but some events refused;
 * 0 all sent. A failed file outranks refused events: a script checking the status must not take it for complete.
 */
export function exitCode(summary: BackfillSummary, interrupted: boolean): number {
  if (interrupted) return 130;
  if (summary.stopReason || summary.files.some((f) => f.status !== 'done')) return 1;
  return summary.refused > 0 ? 2 : 0;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: 'string', default: process.env.BACKFILL_URL ?? 'http://localhost:7071/api/keeper/events' },
      key: { type: 'string', default: process.env.BACKFILL_KEY },
      since: { type: 'string' },
      until: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      checkpoint: { type: 'string', default: 'backfill-checkpoint.json' },
      fresh: { type: 'boolean', default: false },
      'request-mb': { type: 'string', default: '4' },
      'max-retries': { type: 'string', default: '10' },
      'progress-seconds': { type: 'string', default: '10' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    return values.help ? 0 : 1;
  }
  const requestMb = positiveNumber('--request-mb', values['request-mb']);
  if (requestMb > 25) throw new Error('--request-mb must be at most 25 (the door takes 30 MB)');

  const stop = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write('\nbackfill: stopping after the request in flight (Ctrl-C again to quit now; the checkpoint keeps what was acknowledged)\n');
    stop.abort();
  });

  const summary = await runBackfill({
    inputs: positionals,
    url: values.url,
    key: values.key,
    since: parseTime('--since', values.since),
    until: parseTime('--until', values.until),
    dryRun: values['dry-run'],
    checkpointFile: path.resolve(values.checkpoint),
    fresh: values.fresh,
    requestBytes: Math.round(requestMb * 1024 * 1024),
    maxRetries: Math.floor(positiveNumber('--max-retries', values['max-retries'])),
    retryBaseMs: 1000,
    maxDelayMs: 60_000,
    timeoutMs: 120_000,
    progress: process.stderr,
    progressIntervalMs: positiveNumber('--progress-seconds', values['progress-seconds']) * 1000,
    // On a terminal, clear the progress bar's line first.
    log: (line) => process.stderr.write(`${process.stderr.isTTY ? '\r\u001b[K' : ''}${line}\n`),
    stop: stop.signal,
  });
  console.log(formatSummary(summary));
  return exitCode(summary, interrupts > 0);
}

if (require.main === module) {
  main().then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(`backfill: ${(error as Error).message}`);
      process.exitCode = 1;
    },
  );
}
