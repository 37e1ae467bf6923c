import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { TokenCredential } from '@azure/identity';
import type { PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';
import { DevelopmentTokenCredential } from './developmentCredential';
import type { DeliverySettings } from './deliverySettings';
import type { UploadTarget } from '../mapping/deliveryRoutes';
import { lazyModule } from '../settings/lazyModule';

// Loaded on the first upload, not at import: cold start (../settings/lazyModule.ts).
const identitySdk = lazyModule(() => require('@azure/identity') as typeof import('@azure/identity'));
const ingestionSdk = lazyModule(() => require('@azure/monitor-ingestion') as typeof import('@azure/monitor-ingestion'));
const restPipeline = lazyModule(() => require('@azure/core-rest-pipeline') as typeof import('@azure/core-rest-pipeline'));

/**
 * Sends one upload call: `rows` are the rows' JSON texts (uploadBatcher.ts keeps their total under the limit), sent
 * as one JSON array in one request. Resolves when the service accepted every row (204); rejects with the
 * pipeline's RestError (statusCode, code, response with Retry-After) otherwise, after the SDK's own retries.
 */
export type UploadFn = (target: UploadTarget, rows: readonly string[]) => Promise<void>;

/** The service's api-version (azure-rest-api-specs, specification/monitor/data-plane/ingestion/stable/2023-01-01). */
const API_VERSION = '2023-01-01';
/**
 * gzip level 1: about 3 ms of CPU per MB of rows against 7 ms at the default level 6, for a body within a few per
 * cent of the size (measured on Keeper rows; the limit counts the uncompressed bytes anyway).
 */
const GZIP_LEVEL = 1;
/** A call that hangs is abandoned and retried rather than holding its messages forever. */
const UPLOAD_TIMEOUT_MS = 120_000;

const gzipAsync = promisify(gzip);

export function ingestionCredential(settings: DeliverySettings): TokenCredential {
  if (settings.credential === 'development') return new DevelopmentTokenCredential();
  // A user-assigned identity is named by AZURE_CLIENT_ID; otherwise whatever identity the host has.
  const { DefaultAzureCredential, ManagedIdentityCredential } = identitySdk();
  return settings.clientId ? new ManagedIdentityCredential({ clientId: settings.clientId }) : new DefaultAzureCredential();
}

/**
 * The upload body: the rows' texts as one JSON array, written straight into one buffer (no joined megabyte string
 * for the collector) and gzipped once, off the event loop in libuv's pool.
 */
export async function uploadBody(rows: readonly string[]): Promise<Buffer> {
  let bytes = 1;
  for (const row of rows) bytes += Buffer.byteLength(row) + 1;
  const json = Buffer.allocUnsafe(Math.max(bytes, 2));
  let at = 0;
  json[at++] = 0x5b; // [
  rows.forEach((row, i) => {
    if (i > 0) json[at++] = 0x2c; // ,
    at += json.write(row, at, 'utf8');
  });
  json[at++] = 0x5d; // ]
  return gzipAsync(json.subarray(0, at), { level: GZIP_LEVEL });
}

type Sender = (target: UploadTarget, body: Buffer) => Promise<void>;

/**
 * One endpoint's sender on the SDK's own pipeline: `LogsIngestionClient` builds it with the bearer-token policy for
 * the cloud's audience, the api-version, user agent, TLS options and the core retry policies (Retry-After on 429/503,
 * exponential backoff on 408, 5xx and network errors). Only the body is ours: rows serialised once by the mapper and
 * gzipped once here, so the SDK's gzip policy, which would compress the body again, is removed.
 */
function ingestionSender(endpoint: string, credential: TokenCredential, settings: DeliverySettings): Sender {
  const rest = restPipeline();
  const client = new (ingestionSdk().LogsIngestionClient)(endpoint, credential, {
    audience: settings.audience,
    ...(settings.ca ? { tlsOptions: { ca: settings.ca } } : {}),
  });
  client.pipeline.removePolicy({ name: 'GzippingPolicy' });
  const httpClient = rest.createDefaultHttpClient();
  const base = endpoint.replace(/\/+$/, '');
  return async (target, body) => {
    const request = rest.createPipelineRequest({
      url: `${base}/dataCollectionRules/${encodeURIComponent(target.dcrImmutableId)}/streams/${encodeURIComponent(target.stream)}?api-version=${API_VERSION}`,
      method: 'POST',
      headers: rest.createHttpHeaders({ 'content-type': 'application/json', 'content-encoding': 'gzip', accept: 'application/json' }),
      body,
      timeout: UPLOAD_TIMEOUT_MS,
    });
    const response = await client.pipeline.sendRequest(httpClient, request);
    if (response.status < 200 || response.status > 299) throw refusal(request, response);
  };
}

/** The service's refusal as the SDK reports one: a RestError with its status, error code and response. */
function refusal(request: PipelineRequest, response: PipelineResponse): Error {
  let code = response.headers.get('x-ms-error-code');
  let message = `Logs Ingestion answered ${response.status}`;
  try {
    const error = (JSON.parse(response.bodyAsText ?? '') as { error?: { code?: string; message?: string } }).error;
    code ??= error?.code;
    if (error?.message) message += `: ${error.message}`;
  } catch {
    // Not the service's JSON error shape (a proxy's page): the status says enough.
  }
  return new (restPipeline().RestError)(message, { statusCode: response.status, code, request, response });
}

/**
 * Upload calls through one sender per endpoint (the Keeper route may point at the Sentinel solution's own DCE). The
 * credential (by default from the settings) and the SDK are created on the first upload.
 */
export function createUploadFn(settings: DeliverySettings, credential?: TokenCredential): UploadFn {
  const senders = new Map<string, Sender>();
  return async (target, rows) => {
    let send = senders.get(target.endpoint);
    if (!send) {
      credential ??= ingestionCredential(settings);
      senders.set(target.endpoint, (send = ingestionSender(target.endpoint, credential, settings)));
    }
    await send(target, await uploadBody(rows));
  };
}
