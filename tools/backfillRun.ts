import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadCheckpoint, MAX_REFUSALS_KEPT, newFileProgress, saveCheckpoint, type Checkpoint, type FileProgress, type Refusal } from './backfillCheckpoint';
import { ExportFileError, openExport, requestBody, type ExportEvent, type ExportFile } from './backfillExport';
import { BackfillProgress, type ProgressOutput } from './backfillProgress';
import { BackfillStop, sendBody, type SenderOptions } from './backfillSender';

/**
 * Sends Keeper export files to the Keeper door in requests of a few MB, in file order, one request at a time, and
 * records in the checkpoint what the door settled. See docs/backfill.md.
 */

export interface BackfillOptions {
  /** Export files, or folders searched for them. */
  inputs: string[];
  url: string;
  key?: string;
  /** Event time range, since inclusive, until exclusive; events outside are counted and left out. */
  since?: Date;
  until?: Date;
  /** Read, check and count only: no request, no checkpoint. */
  dryRun: boolean;
  checkpointFile: string;
  /** Start over, ignoring an existing checkpoint. */
  fresh: boolean;
  /** Target request body size in bytes (the door takes up to 30 MB). */
  requestBytes: number;
  maxRetries: number;
  retryBaseMs: number;
  maxDelayMs: number;
  timeoutMs: number;
  progress: ProgressOutput;
  progressIntervalMs: number;
  /** Notices: retries, files that cannot be read. */
  log: (line: string) => void;
  /** Graceful stop: the request in flight gets its answer, then the run ends with the checkpoint saved. */
  stop?: AbortSignal;
  /** Called after every settled request (tests and embedding tools). */
  onSettled?: (requests: number) => void;
}

export interface FileSummary {
  file: string;
  format?: string;
  status: 'done' | 'failed' | 'stopped' | 'not started';
  error?: string;
  progress: FileProgress;
}

export interface BackfillSummary {
  files: FileSummary[];
  requests: number;
  retries: number;
  /** Events acknowledged, all runs of this checkpoint. */
  sent: number;
  /** Of those, acknowledged in this run. */
  sentThisRun: number;
  refused: number;
  outside: number;
  /** Events acknowledged per UTC day of event time, all files (resumed runs included). */
  days: Record<string, number>;
  stopReason?: string;
  dryRun: boolean;
}

const EXPORT_NAME = /\.(json|ndjson|jsonl|csv|log|syslog|txt)$/i;

/** The export files named: files as given, folders searched (sorted, hidden files and checkpoints skipped). */
export function exportFiles(inputs: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && EXPORT_NAME.test(entry.name) && !entry.name.includes('checkpoint')) files.push(full);
    }
  };
  for (const input of inputs) {
    const full = path.resolve(input);
    if (statSync(full).isDirectory()) walk(full);
    else files.push(full);
  }
  return [...new Set(files)];
}

function dayOf(event: ExportEvent): string {
  return event.time ? event.time.toISOString().slice(0, 10) : 'none';
}

function shortReason(reason: string): string {
  return reason.replace(/^(Syslog |CSV )?line \d+: /i, '');
}

function openCheckpoint(options: BackfillOptions): Checkpoint {
  const fresh: Checkpoint = { version: 1, url: options.url.split('?')[0]!, since: options.since?.toISOString(), until: options.until?.toISOString(), files: {} };
  if (options.dryRun || options.fresh) return fresh;
  const existing = loadCheckpoint(options.checkpointFile);
  if (!existing) return fresh;
  if (existing.url !== fresh.url || existing.since !== fresh.since || existing.until !== fresh.until) {
    throw new BackfillStop(
      `the checkpoint ${options.checkpointFile} was made for ${existing.url} (${existing.since ?? '-'} .. ${existing.until ?? '-'}); ` +
        'run with the same --url/--since/--until, or pass --fresh to start over',
    );
  }
  return existing;
}

/** Runs a backfill; never throws for a stop (wrong key, retries used up): the summary carries the reason. */
export async function runBackfill(options: BackfillOptions): Promise<BackfillSummary> {
  const files = exportFiles(options.inputs);
  const checkpoint = openCheckpoint(options);
  const summary: BackfillSummary = { files: [], requests: 0, retries: 0, sent: 0, sentThisRun: 0, refused: 0, outside: 0, days: {}, dryRun: options.dryRun };
  const sizes = files.map((f) => statSync(f));
  const bytesTotal = sizes.reduce((sum, s) => sum + s.size, 0);
  let bytesBefore = 0;
  const totals = () => {
    let sent = 0;
    let refused = 0;
    for (const p of Object.values(checkpoint.files)) {
      sent += p.sent;
      refused += p.refused;
    }
    return { sent, refused };
  };
  let current: ExportFile | undefined;
  const state = () => ({ eventsSent: totals().sent, eventsRefused: totals().refused, bytesDone: bytesBefore + (current?.bytesRead() ?? 0), bytesTotal });

  // Files already done count as read; the bar starts where the last run stopped.
  for (let i = 0; i < files.length; i++) {
    const entry = checkpoint.files[files[i]!];
    if (entry?.done && entry.size === sizes[i]!.size) bytesBefore += entry.size;
  }
  const sentBefore = totals().sent;
  const progress = new BackfillProgress(options.progress, state(), options.progressIntervalMs);
  bytesBefore = 0;
  const save = () => {
    if (!options.dryRun) saveCheckpoint(options.checkpointFile, checkpoint);
  };

  const sender: SenderOptions = {
    url: options.url,
    key: options.key,
    maxRetries: options.maxRetries,
    retryBaseMs: options.retryBaseMs,
    maxDelayMs: options.maxDelayMs,
    timeoutMs: options.timeoutMs,
    signal: options.stop,
    onRetry: ({ attempt, delayMs, reason }) => {
      summary.retries++;
      options.log(`backfill: ${reason}; retry ${attempt} in ${(delayMs / 1000).toFixed(1)} s`);
    },
  };

  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    const stat = sizes[i]!;
    let entry = checkpoint.files[file];
    if (entry && (entry.size !== stat.size || entry.mtimeMs !== stat.mtimeMs)) {
      if (entry.position > 0) {
        summary.stopReason = `${file} changed since the checkpoint was written; pass --fresh to send it again from the start`;
        summary.files.push({ file, status: 'stopped', progress: entry });
        break;
      }
      entry = undefined;
    }
    entry ??= newFileProgress(stat.size, stat.mtimeMs);
    checkpoint.files[file] = entry;
    const fileSummary: FileSummary = { file, status: 'done', progress: entry };
    summary.files.push(fileSummary);
    if (entry.done) {
      bytesBefore += stat.size;
      continue;
    }
    if (summary.stopReason || options.stop?.aborted) {
      fileSummary.status = 'not started';
      continue;
    }
    try {
      current = await openExport(file);
      fileSummary.format = current.format;
      await sendFile(current, entry, options, sender, summary, save, () => progress.update(state()));
      if (options.stop?.aborted && !entry.done) fileSummary.status = 'stopped';
    } catch (error) {
      if (error instanceof BackfillStop) {
        summary.stopReason = error.message;
        fileSummary.status = 'stopped';
      } else if (error instanceof ExportFileError) {
        fileSummary.status = 'failed';
        fileSummary.error = error.message;
        options.log(`backfill: ${file}: ${error.message}; the events before it were sent`);
      } else {
        throw error;
      }
    } finally {
      // A stopped file counts only what was read of it.
      bytesBefore += entry.done ? stat.size : (current?.bytesRead() ?? 0);
      current = undefined;
    }
  }
  if (options.stop?.aborted && !summary.stopReason) summary.stopReason = 'stopped on request; run the same command again to resume';
  progress.finish(state());

  for (const f of summary.files) {
    summary.sent += f.progress.sent;
    summary.refused += f.progress.refused;
    summary.outside += f.progress.outside;
    for (const [day, n] of Object.entries(f.progress.days)) summary.days[day] = (summary.days[day] ?? 0) + n;
  }
  summary.sentThisRun = summary.sent - sentBefore;
  return summary;
}

interface Pending {
  events: ExportEvent[];
  bytes: number;
  refusals: Refusal[];
  outside: number;
  /** The index after the last event read: the checkpoint position once this batch is settled. */
  position: number;
}

async function sendFile(
  file: ExportFile,
  entry: FileProgress,
  options: BackfillOptions,
  sender: SenderOptions,
  summary: BackfillSummary,
  save: () => void,
  showProgress: () => void,
): Promise<void> {
  let pending: Pending = { events: [], bytes: 0, refusals: [], outside: 0, position: entry.position };
  const sinceMs = options.since?.getTime();
  const untilMs = options.until?.getTime();

  const settle = async (): Promise<void> => {
    const batch = pending;
    pending = { events: [], bytes: 0, refusals: [], outside: 0, position: batch.position };
    const refusals = [...batch.refusals];
    const accepted = batch.events.length > 0 ? await deliver(file, batch.events, options, sender, summary, refusals) : [];
    // Only now, with the door's answer in hand, does the checkpoint move.
    entry.position = batch.position;
    entry.sent += accepted.length;
    entry.refused += refusals.length;
    entry.outside += batch.outside;
    for (const r of refusals) if (entry.refusals.length < MAX_REFUSALS_KEPT) entry.refusals.push(r);
    for (const event of accepted) entry.days[dayOf(event)] = (entry.days[dayOf(event)] ?? 0) + 1;
    save();
    if (batch.events.length > 0) options.onSettled?.(summary.requests);
    showProgress();
  };

  let read = 0;
  try {
    for await (const event of file.events) {
      if (event.index < entry.position) continue;
      pending.position = event.index + 1;
      if (event.problem) {
        pending.refusals.push({ line: event.line, reason: shortReason(event.problem) });
      } else if (
        (sinceMs !== undefined || untilMs !== undefined) &&
        (!event.time || (sinceMs !== undefined && event.time.getTime() < sinceMs) || (untilMs !== undefined && event.time.getTime() >= untilMs))
      ) {
        pending.outside++;
      } else {
        pending.events.push(event);
        pending.bytes += Buffer.byteLength(event.text) + 1;
      }
      if (pending.bytes >= options.requestBytes) {
        await settle();
        if (options.stop?.aborted) return;
      }
      if (++read % 5000 === 0) showProgress();
    }
  } catch (error) {
    // The events read before a broken part of the file are good: send them before reporting the file.
    if (error instanceof ExportFileError) await settle();
    throw error;
  }
  await settle();
  entry.done = true;
  save();
}

/** Sends events; a refused request is split in halves until the refused events are found. Returns those accepted. */
async function deliver(
  file: ExportFile,
  events: ExportEvent[],
  options: BackfillOptions,
  sender: SenderOptions,
  summary: BackfillSummary,
  refusals: Refusal[],
): Promise<ExportEvent[]> {
  if (options.dryRun) return events;
  const { body, contentType } = requestBody(file, events);
  summary.requests++;
  const outcome = await sendBody(body, contentType, sender);
  if (outcome.kind === 'accepted') return events;
  if (events.length === 1) {
    refusals.push({ line: events[0]!.line, reason: outcome.kind === 'refused' ? outcome.reason : 'the relay refused it as too large' });
    return [];
  }
  const half = Math.ceil(events.length / 2);
  const first = await deliver(file, events.slice(0, half), options, sender, summary, refusals);
  const second = await deliver(file, events.slice(half), options, sender, summary, refusals);
  return [...first, ...second];
}
