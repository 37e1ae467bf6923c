import { loadDeliverySettings, type DeliverySettings } from './deliverySettings';
import type { DeliveryDeps } from './deliverMessage';
import { createUploadFn, type UploadFn } from './ingestionClient';
import { relayCounters } from '../operations/relayCounters';
import { startInstanceStatus } from '../operations/instanceStatus';
import { startSummaryLog } from '../operations/summaryLine';
import { relayRuntime } from '../settings/relayRuntime';
import { createUploadBatcher, type BatcherOptions } from './uploadBatcher';

let current: DeliveryDeps | undefined;

export function createDeliveryDeps(
  settings: DeliverySettings,
  upload: UploadFn = createUploadFn(settings),
  batching: Partial<BatcherOptions> = {},
): DeliveryDeps {
  const { storage } = relayRuntime();
  const log = (message: string) => console.log(message);
  return {
    settings,
    storage,
    // The batcher logs only configuration errors (once per cause, with the fix): errors an operator must act on.
    batcher: createUploadBatcher({ upload, log: (m) => console.error(m), ...batching }),
    retryDelaySeconds: settings.retryDelaySeconds,
    log,
    counters: relayCounters(),
  };
}

/** Parsed at start-up by the queue-trigger adapter: a bad setting stops the app with a message naming it. */
export function deliveryRuntime(): DeliveryDeps {
  if (!current) {
    current = createDeliveryDeps(loadDeliverySettings(process.env));
    // Normal traffic is one summary line a minute, not a line per message; the status blobs feed /api/health.
    // RELAY_SUMMARY_SECONDS=0 turns it off (npm start prints its own, with the backlog, every 5 s).
    const every = Number(process.env.RELAY_SUMMARY_SECONDS ?? 60);
    if (every > 0) startSummaryLog(current.counters!, (m) => console.log(m), every * 1000);
    startInstanceStatus(current.storage, current.counters!);
  }
  return current;
}
