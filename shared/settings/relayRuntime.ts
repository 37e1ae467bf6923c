import { createStorageHandoff, type Handoff, type HandoffOptions } from '../handoff/handoff';
import { loadSettings, type Settings } from './settings';
import { createStorageClients, type StorageClients } from '../handoff/storageClients';
import { sweepParkedEnvelopes } from '../handoff/parkedEnvelopes';

/** What the function adapters share in one worker process: settings parsed once, storage clients, the hand-off. */
export interface RelayRuntime {
  settings: Settings;
  storage: StorageClients;
  handoff: Handoff;
}

let current: RelayRuntime | undefined;

export function createRelayRuntime(settings: Settings, handoffOptions?: HandoffOptions): RelayRuntime {
  const storage = createStorageClients(settings.storage, settings.queueName, settings.blobContainer);
  const log = (m: string) => console.warn(m);
  // After a request was parked (queue unavailable), the next successful enqueue sweeps parked envelopes back into the queue.
  const sweep = () => sweepParkedEnvelopes(storage, { log });
  return { settings, storage, handoff: createStorageHandoff(storage, log, { sweep, ...handoffOptions }) };
}

/** Parsed at start-up (module load of the function adapters): a bad setting stops the app with a clear message. */
export function relayRuntime(): RelayRuntime {
  current ??= createRelayRuntime(loadSettings(process.env));
  return current;
}
