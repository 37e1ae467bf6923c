import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { eventId } from '../shared/mapping/eventId';
import { sharedKeyAuthorization } from '../shared/ingest/sharedKey';
import { STREAMS } from '../shared/mapping/streamSchemas';
import { localSettingsValues, projectRoot } from './localSettings';

/**
 * `npm run send-sample`: signs Keeper's troubleshooting sample events (seeds/keeper-legacy-azure-sentinel.md) and
 * posts them as a legacy sender would. Target: RELAY_URL, default http://127.0.0.1:7071; workspace id and key:
 * RELAY_WORKSPACE_1_ID and RELAY_WORKSPACE_1_PRIMARY_KEY from the environment, else local.settings.json.
 */
async function main(): Promise<void> {
  const root = projectRoot();
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
    await showDeliveredRows(root, workspaceId, events as unknown[]);
  } else {
    console.log('Accepted and queued. In Azure the rows reach KeeperSecurityEventNewLogs_CL within minutes (10-15 for the first rows of a new table).');
  }
}

/** Waits for the events to come out of the pipeline as rows in the Logs Ingestion emulator's output, and prints them. */
async function showDeliveredRows(root: string, workspaceId: string, events: unknown[]): Promise<void> {
  const ids = new Set(events.map((e) => eventId(workspaceId, 'Keeper', e)));
  const file = path.join(root, '.local', 'emulator', 'data', `${STREAMS.keeperSentinel.stream}.ndjson`);
  const deadline = Date.now() + 30_000;
  console.log(`\nWaiting for the rows in ${file} ...`);
  for (;;) {
    const rows = existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as { data?: { relay_event_id?: string } })
          .filter((row) => ids.has(row.data?.relay_event_id ?? ''))
      : [];
    const unique = new Map(rows.map((r) => [r.data?.relay_event_id, r]));
    if (unique.size === ids.size) {
      console.log(`${unique.size} rows of ${STREAMS.keeperSentinel.table} (stream ${STREAMS.keeperSentinel.stream}):`);
      for (const row of unique.values()) console.log(`  ${JSON.stringify(row)}`);
      return;
    }
    if (Date.now() > deadline) {
      console.log(`Only ${unique.size} of ${ids.size} rows arrived within 30 s; is npm start running with the queue trigger?`);
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
