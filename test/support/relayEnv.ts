import { randomBytes, randomUUID } from 'node:crypto';
import { inject } from 'vitest';

/** Per-file test settings: a fresh workspace, keys generated for this run, and a queue of its own in the shared Azurite. */
export interface TestRelay {
  workspaceId: string;
  primaryKey: string;
  secondaryKey: string;
  queueName: string;
  containerName: string;
  connectionString: string;
  env: Record<string, string>;
}

export function testRelay(label: string): TestRelay {
  const suffix = randomBytes(4).toString('hex');
  const relay = {
    workspaceId: randomUUID(),
    primaryKey: randomBytes(64).toString('base64'),
    secondaryKey: randomBytes(64).toString('base64'),
    queueName: `${label}-${suffix}`,
    containerName: `${label}-${suffix}`,
    connectionString: inject('azuriteConnectionString'),
  };
  return {
    ...relay,
    env: {
      RELAY_WORKSPACE_1_ID: relay.workspaceId,
      RELAY_WORKSPACE_1_PRIMARY_KEY: relay.primaryKey,
      RELAY_WORKSPACE_1_SECONDARY_KEY: relay.secondaryKey,
      RELAY_STORAGE: relay.connectionString,
      RELAY_QUEUE_NAME: relay.queueName,
      RELAY_BLOB_CONTAINER: relay.containerName,
      // Delivery settings, so every function module loads; tests that deliver point them at the emulator.
      RELAY_INGESTION_ENDPOINT: 'https://127.0.0.1:9',
      RELAY_DCR_IMMUTABLE_ID: 'dcr-00000000000000000000000000000000',
      RELAY_CREDENTIAL: 'development',
    },
  };
}

/** Sets the relay settings in process.env, as the Functions host does with app settings, before functions load. */
export function applyEnv(env: Record<string, string>): void {
  for (const [name, value] of Object.entries(env)) process.env[name] = value;
}
