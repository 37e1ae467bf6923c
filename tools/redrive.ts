import { listPoison, redrivePoison } from '../shared/redrive';
import { loadSettings } from '../shared/settings';
import { createStorageClients } from '../shared/storageClients';
import { localSettingsValues } from './localSettings';

/**
 * `npm run redrive`: lists the messages in `<queue>-poison` with their reasons.
 * `npm run redrive -- --move`: moves them all back to the relay queue once the cause is fixed.
 * Reads the same settings as the relay (environment first, then local.settings.json).
 */
async function main(): Promise<void> {
  const values = localSettingsValues();
  for (const [name, value] of Object.entries(values)) process.env[name] ??= value;
  const settings = loadSettings(process.env);
  const storage = createStorageClients(settings.storage, settings.queueName, settings.blobContainer);
  const { total, entries } = await listPoison(storage);
  console.log(`${storage.poisonQueue.name}: ${total} message(s)`);
  for (const e of entries) {
    const what = e.requestId ? `request ${e.requestId} (${e.logType}, ${e.recordCount} records)` : 'unrecognised message';
    console.log(`  - ${what}${e.poisonedAt ? `, poisoned ${e.poisonedAt}` : ''}\n      reason: ${e.reason}`);
  }
  if (total > entries.length) console.log(`  … and ${total - entries.length} more`);
  if (process.argv.includes('--move')) {
    const moved = await redrivePoison(storage);
    console.log(`Moved ${moved} message(s) back to ${settings.queueName}.`);
  } else if (total > 0) {
    console.log('Fix the cause, then run: npm run redrive -- --move');
  }
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const hint = /ECONNREFUSED/.test(message) ? ' Is the storage running (npm start starts Azurite), and RELAY_STORAGE right?' : '';
  console.error(`redrive failed: ${message}.${hint}`);
  process.exit(1);
});
