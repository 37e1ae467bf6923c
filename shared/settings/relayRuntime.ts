import { createStorageHandoff, type Handoff, type HandoffOptions } from '../handoff/handoff';
import { loadSettings, type Settings } from './settings';
import { createStorageClients, type StorageClients } from '../handoff/storageClients';

/** What the function adapters share in one worker process: settings parsed once, storage clients, the hand-off. */
export interface RelayRuntime {
  settings: Settings;
  storage: StorageClients;
  handoff: Handoff;
}

let current: RelayRuntime | undefined;

export function createRelayRuntime(settings: Settings, handoffOptions?: HandoffOptions): RelayRuntime {
  const storage = createStorageClients(settings.storage, settings.queueName, settings.blobContainer);
  return { settings, storage, handoff: createStorageHandoff(storage, (m) => console.warn(m), handoffOptions) };
}

/** Parsed at start-up (module load of the function adapters): a bad setting stops the app with a clear message. */
export function relayRuntime(): RelayRuntime {
  current ??= createRelayRuntime(loadSettings(process.env));
  return current;
}
