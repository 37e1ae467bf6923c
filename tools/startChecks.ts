import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadDeliverySettings } from '../shared/delivery/deliverySettings';
import { loadSettings, SettingsError } from '../shared/settings/settings';

/** What `npm start` checks before it starts anything, and how its banner shows the key. */

/** Every settings problem at once (ingest and delivery), before anything starts. */
export function settingsProblems(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  for (const load of [() => loadSettings(env), () => loadDeliverySettings({ ...env, RELAY_INGESTION_CA_FILE: undefined })]) {
    try {
      load();
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error;
      problems.push(...error.message.split('\n').slice(1).map((l) => l.replace(/^\s*-\s*/, '')));
    }
  }
  return problems;
}

/** The key line of the banner: the sample's key is public and shown; any other key never is. */
export function keyLine(root: string, key: string | undefined): string {
  let sampleKey: string | undefined;
  try {
    sampleKey = (JSON.parse(readFileSync(path.join(root, 'local.settings.sample.json'), 'utf8')) as { Values?: Record<string, string> }).Values?.RELAY_WORKSPACE_1_PRIMARY_KEY;
  } catch {
    sampleKey = undefined;
  }
  return key && key === sampleKey ? `${key}   (the sample key from local.settings.sample.json)` : '(your key from local.settings.json or the environment; not shown)';
}

