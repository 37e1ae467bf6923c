import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sharedKeyAuthorization } from '../shared/sharedKey';
import { localSettingsValues, projectRoot } from './localSettings';

/**
 * `npm run send-sample`: signs Keeper's troubleshooting sample events (seeds/keeper-legacy-azure-sentinel.md) and
 * posts them as a legacy sender would. Target: RELAY_URL, default http://127.0.0.1:7071.
 */
async function main(): Promise<void> {
  const root = projectRoot();
  const values = localSettingsValues(root);
  const workspaceId = values.RELAY_WORKSPACE_1_ID!;
  const key = values.RELAY_WORKSPACE_1_PRIMARY_KEY!;
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
  if (response.status !== 200) process.exitCode = 1;
}

main().catch((error: unknown) => {
  const cause = (error as { cause?: { code?: string } }).cause;
  console.error(`send-sample failed: ${cause?.code ?? (error instanceof Error ? error.message : error)}. Is the relay running (npm start)?`);
  process.exit(1);
});
