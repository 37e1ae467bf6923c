import { loadDeliverySettings, type DeliverySettings } from './deliverySettings';
import type { DeliveryDeps } from './deliverMessage';
import { createUploadFn, type UploadFn } from './ingestionClient';
import { relayMetrics } from './relayMetrics';
import { relayRuntime } from './relayRuntime';
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
    batcher: createUploadBatcher({ upload, log, ...batching }),
    retryDelaySeconds: settings.retryDelaySeconds,
    log,
    metrics: relayMetrics(),
  };
}

/** Parsed at start-up by the queue-trigger adapter: a bad setting stops the app with a message naming it. */
export function deliveryRuntime(): DeliveryDeps {
  current ??= createDeliveryDeps(loadDeliverySettings(process.env));
  return current;
}
