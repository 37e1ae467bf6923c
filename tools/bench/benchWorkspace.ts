import { randomBytes, randomUUID } from 'node:crypto';
import type { EnvelopeMeta } from '../../shared/handoff/queueEnvelope';
import { sharedKeyAuthorization } from '../../shared/ingest/sharedKey';

/**
 * The bench's own workspace: a throw-away id and fresh random keys, so the bench never depends on (or prints)
 * local.settings.json. A secondary key is configured, as in the sample settings: the relay then computes two
 * HMACs per request, which is what a deployment in the middle of a key rotation pays.
 */
export const WORKSPACE_ID = '0b3e6f1a-7c2d-4e9b-8a5f-1d2c3b4a5e6f';
export const PRIMARY_KEY = randomBytes(64).toString('base64');
const SECONDARY_KEY = randomBytes(64).toString('base64');

export const LEGACY_PATH = '/api/logs?api-version=2016-04-01';

/** The app settings the relay reads (loadSettings), pointed at the given storage connection string. */
export function relayEnv(storageConnectionString: string, queueName: string, container: string): Record<string, string> {
  return {
    RELAY_WORKSPACE_1_ID: WORKSPACE_ID,
    RELAY_WORKSPACE_1_PRIMARY_KEY: PRIMARY_KEY,
    RELAY_WORKSPACE_1_SECONDARY_KEY: SECONDARY_KEY,
    RELAY_STORAGE: storageConnectionString,
    RELAY_QUEUE_NAME: queueName,
    RELAY_BLOB_CONTAINER: container,
    // Delivery settings so every function module loads (the bench's relay does not run the queue trigger).
    RELAY_INGESTION_ENDPOINT: 'https://127.0.0.1:9',
    RELAY_DCR_IMMUTABLE_ID: 'dcr-00000000000000000000000000000000',
    RELAY_CREDENTIAL: 'development',
  };
}

/** Headers exactly as Keeper Commander sends them, signed now (x-ms-date has second precision, ±15 min accepted). */
export function signedKeeperHeaders(body: Buffer): Record<string, string> {
  const date = new Date().toUTCString();
  return {
    'content-type': 'application/json',
    'content-length': String(body.length),
    authorization: sharedKeyAuthorization(WORKSPACE_ID, PRIMARY_KEY, body.length, date),
    'log-type': 'Keeper',
    'x-ms-date': date,
  };
}

/** The envelope fields the HTTP door sets for one 250-event Keeper post. */
export function keeperPostMeta(recordCount: number, requestId: string = randomUUID()): EnvelopeMeta {
  return {
    requestId,
    door: 'legacy',
    workspaceId: WORKSPACE_ID,
    logType: 'Keeper',
    receivedAt: new Date().toISOString(),
    shape: 'keeper-push',
    recordCount,
  };
}
