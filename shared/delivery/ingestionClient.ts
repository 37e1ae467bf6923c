import type { TokenCredential } from '@azure/identity';
import type { LogsIngestionClient } from '@azure/monitor-ingestion';
import { DevelopmentTokenCredential } from './developmentCredential';
import type { DeliverySettings } from './deliverySettings';
import { lazyModule } from '../settings/lazyModule';

// Loaded on the first upload, not at import: cold start (../settings/lazyModule.ts).
const identitySdk = lazyModule(() => require('@azure/identity') as typeof import('@azure/identity'));
export const ingestionSdk = lazyModule(() => require('@azure/monitor-ingestion') as typeof import('@azure/monitor-ingestion'));

/** The part of LogsIngestionClient the relay uses, so a test can count calls without replacing the SDK. */
export type UploadFn = (endpoint: string, dcrImmutableId: string, stream: string, rows: Record<string, unknown>[]) => Promise<void>;

export function ingestionCredential(settings: DeliverySettings): TokenCredential {
  if (settings.credential === 'development') return new DevelopmentTokenCredential();
  // A user-assigned identity is named by AZURE_CLIENT_ID; otherwise whatever identity the host has.
  const { DefaultAzureCredential, ManagedIdentityCredential } = identitySdk();
  return settings.clientId ? new ManagedIdentityCredential({ clientId: settings.clientId }) : new DefaultAzureCredential();
}

/**
 * One SDK client per endpoint (the Keeper route may point at the Sentinel solution's own DCE). The credential (by
 * default from the settings) and the SDK are created on the first upload.
 */
export function createUploadFn(settings: DeliverySettings, credential?: TokenCredential): UploadFn {
  const clients = new Map<string, LogsIngestionClient>();
  return async (endpoint, dcrImmutableId, stream, rows) => {
    let client = clients.get(endpoint);
    if (!client) {
      credential ??= ingestionCredential(settings);
      client = new (ingestionSdk().LogsIngestionClient)(endpoint, credential, {
        audience: settings.audience,
        ...(settings.ca ? { tlsOptions: { ca: settings.ca } } : {}),
      });
      clients.set(endpoint, client);
    }
    await client.upload(dcrImmutableId, stream, rows, { maxConcurrency: 1 });
  };
}
