import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { eventId } from '../shared/mapping/eventId';
import { sharedKeyAuthorization } from '../shared/ingest/sharedKey';
import { STREAMS } from '../shared/mapping/streamSchemas';
import { localSettingsValues, projectRoot } from './localSettings';
import { defaultDataDir } from './logsIngestionEmulator/repoRoot';

/**
 * `npm run send-sample`: signs Keeper's troubleshooting sample events (seeds/keeper-legacy-azure-sentinel.md) and
 * posts them as a legacy sender would. Target: RELAY_URL, default http://127.0.0.1:7071; workspace id and key:
 * RELAY_WORKSPACE_1_ID and RELAY_WORKSPACE_1_PRIMARY_KEY from the environment, else local.settings.json.
 * Against a local relay it then waits for the rows this run produced in the Logs Ingestion emulator's output
 * (LOGS_EMULATOR_DATA_DIR, default .local/emulator/data, as npm start runs it) and prints them; `--wait-seconds N`
 * (default 30) bounds the wait. Exit 1 when the post is refused or the rows do not arrive in time.
 */
async function main(): Promise<void> {
  const { values: flags } = parseArgs({ options: { 'wait-seconds': { type: 'string', default: '30' } } });
  const waitSeconds = Number(flags['wait-seconds']);
  if (!Number.isFinite(waitSeconds) || waitSeconds <= 0) throw new Error(`--wait-seconds '${flags['wait-seconds']}' is not a positive number`);
  const root = projectRoot();
  // Event ids are deterministic, so an earlier run's rows carry the same ids: only rows appended after this point
  // (the output file's size before the post) are this run's.
  const rowsFile = path.join(process.env.LOGS_EMULATOR_DATA_DIR ?? defaultDataDir(), `${STREAMS.keeperSentinel.stream}.ndjson`);
  const offset = existsSync(rowsFile) ? statSync(rowsFile).size : 0;
  const values = localSettingsValues(root);
  // The environment first, then local.settings.json, as redrive and status read their settings.
  const workspaceId = process.env.RELAY_WORKSPACE_1_ID ?? values.RELAY_WORKSPACE_1_ID!;
  const key = process.env.RELAY_WORKSPACE_1_PRIMARY_KEY ?? values.RELAY_WORKSPACE_1_PRIMARY_KEY!;
  const base = process.env.RELAY_URL ?? 'http://127.0.0.1:7071';
  const events: unknown = JSON.parse(readFileSync(path.join(root, 'tools', 'samples', 'keeper-troubleshooting-events.json'), 'utf8'));
  // Python's json.dumps escapes non-ASCII, as Keeper's script does; the body is signed as the bytes sent.
  const body = Buffer.from(JSON.stringify(events));
  const date = new Date().toUTCString();
  const url = `${base}/api/logs?api-version=2016-04-01`;
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: sharedKeyAuthorization(workspaceId, key, body.length, date),
      'Log-Type': 'Keeper',
      'x-ms-date': date,
    },
    body,
  });
  console.log(`POST ${url} (${(events as unknown[]).length} Keeper events, Log-Type Keeper, workspace ${workspaceId})`);
  console.log(`Response code: ${response.status}`);
  console.log(`Response message: ${await response.text()}`);
  if (response.status !== 200) {
    process.exitCode = 1;
    return;
  }
  if (['127.0.0.1', 'localhost', '[::1]'].includes(new URL(base).hostname)) {
    await showDeliveredRows(rowsFile, offset, waitSeconds, workspaceId, events as unknown[]);
  } else {
    console.log('Accepted and queued. In Azure the rows reach KeeperSecurityEventNewLogs_CL within minutes (10-15 for the first rows of a new table).');
  }
}

/** The complete NDJSON lines of `file` from byte `offset` on (a line still being written is left for later). */
function linesFrom(file: string, offset: number): string[] {
  if (!existsSync(file)) return [];
  const size = statSync(file).size;
  if (size <= offset) return [];
  const buffer = Buffer.alloc(size - offset);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, offset);
  } finally {
    closeSync(fd);
  }
  const text = buffer.toString('utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean);
}

/**
 * Waits for this run's events to come out of the pipeline as rows in the Logs Ingestion emulator's output, and
 * prints them: rows appended to the stream's NDJSON file after `offset` (its size before this run's post) whose
 * event id is one of this run's, so an earlier run's rows never count as proof of delivery.
 */
async function showDeliveredRows(file: string, offset: number, waitSeconds: number, workspaceId: string, events: unknown[]): Promise<void> {
  // Each record's text is its element of the body as sent (JSON.stringify of the array).
  const ids = new Set(events.map((e) => eventId(workspaceId, 'Keeper', JSON.stringify(e))));
  const deadline = Date.now() + waitSeconds * 1000;
  console.log(`\nWaiting for the rows this run produced: lines appended to ${file} after byte ${offset} (earlier runs' rows carry the same event ids and do not count) ...`);
  for (;;) {
    const rows = linesFrom(file, offset)
      .map((line) => JSON.parse(line) as { data?: { relay_event_id?: string } })
      .filter((row) => ids.has(row.data?.relay_event_id ?? ''));
    const unique = new Map(rows.map((r) => [r.data?.relay_event_id, r]));
    if (unique.size === ids.size) {
      console.log(`${unique.size} rows of ${STREAMS.keeperSentinel.table} (stream ${STREAMS.keeperSentinel.stream}) delivered by this run:`);
      for (const row of unique.values()) console.log(`  ${JSON.stringify(row)}`);
      return;
    }
    if (Date.now() > deadline) {
      console.log(`Only ${unique.size} of ${ids.size} rows of this run arrived within ${waitSeconds} s; is npm start running with the queue trigger?`);
      process.exitCode = 1;
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

main().catch((error: unknown) => {
  const cause = (error as { cause?: { code?: string } }).cause;
  console.error(`send-sample failed: ${cause?.code ?? (error instanceof Error ? error.message : error)}. Is the relay running (npm start)?`);
  process.exit(1);
});
