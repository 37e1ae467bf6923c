import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadSettings, SettingsError, WorkspaceKeysPending } from '../shared/settings/settings';

const KEY = randomBytes(64).toString('base64');
const KEY2 = randomBytes(64).toString('base64');
const base = {
  RELAY_WORKSPACE_1_ID: '2b6d9f0e-5c1a-4e8b-9d3f-7a1c0e4b6d21',
  RELAY_WORKSPACE_1_PRIMARY_KEY: KEY,
  RELAY_STORAGE: 'UseDevelopmentStorage=true',
};

function failure(env: Record<string, string | undefined>): string {
  try {
    loadSettings(env);
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    const message = (error as Error).message;
    // Keys never appear in messages, however malformed the settings are.
    expect(message).not.toContain(KEY);
    expect(message).not.toContain(KEY2);
    return message;
  }
  throw new Error('expected loadSettings to fail');
}

describe('settings', () => {
  it('parses working settings with defaults', () => {
    const settings = loadSettings(base);
    expect(settings.workspaces).toHaveLength(1);
    expect(settings.workspaces[0]!.primaryKey).toEqual(Buffer.from(KEY, 'base64'));
    expect(settings.workspaces[0]!.secondaryKey).toBeUndefined();
    expect(settings.clockSkewMinutes).toBe(15);
    expect(settings.queueName).toBe('relay-ingest');
    expect(settings.blobContainer).toBe('relay-payloads');
    expect(settings.storage).toEqual({ connectionString: 'UseDevelopmentStorage=true' });
  });

  it('reads several workspaces, lower-cases ids, and takes identity-based storage', () => {
    const settings = loadSettings({
      RELAY_WORKSPACE_1_ID: '2B6D9F0E-5C1A-4E8B-9D3F-7A1C0E4B6D21',
      RELAY_WORKSPACE_1_PRIMARY_KEY: KEY,
      RELAY_WORKSPACE_1_SECONDARY_KEY: KEY2,
      RELAY_WORKSPACE_2_ID: '11111111-2222-3333-4444-555555555555',
      RELAY_WORKSPACE_2_PRIMARY_KEY: KEY2,
      RELAY_STORAGE__queueServiceUri: 'https://acct.queue.core.windows.net',
      RELAY_STORAGE__blobServiceUri: 'https://acct.blob.core.windows.net',
      RELAY_STORAGE__clientId: 'abc',
      RELAY_CLOCK_SKEW_MINUTES: '5',
    });
    expect(settings.workspaces.map((w) => w.id)).toEqual(['2b6d9f0e-5c1a-4e8b-9d3f-7a1c0e4b6d21', '11111111-2222-3333-4444-555555555555']);
    expect(settings.clockSkewMinutes).toBe(5);
    expect(settings.storage).toMatchObject({ queueServiceUri: 'https://acct.queue.core.windows.net', clientId: 'abc' });
  });

  it('names a missing workspace', () => {
    expect(failure({ RELAY_STORAGE: 'x' })).toMatch(/RELAY_WORKSPACE_1_ID is missing/);
  });

  it('names a missing primary key', () => {
    expect(failure({ ...base, RELAY_WORKSPACE_1_PRIMARY_KEY: undefined })).toMatch(/RELAY_WORKSPACE_1_PRIMARY_KEY is missing/);
  });

  it('names a malformed key without echoing it', () => {
    const message = failure({ ...base, RELAY_WORKSPACE_1_SECONDARY_KEY: `${KEY2.slice(0, 20)}!!` });
    expect(message).toMatch(/RELAY_WORKSPACE_1_SECONDARY_KEY is malformed: expected the workspace key in base64/);
    expect(message).not.toContain(KEY2.slice(0, 20));
  });

  it('loads with a key still an unresolved Key Vault reference; workspaces answers 503 naming it until it resolves', () => {
    const env: Record<string, string | undefined> = { ...base, RELAY_WORKSPACE_1_PRIMARY_KEY: '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/k/)' };
    const lines: string[] = [];
    const settings = loadSettings(env, (l) => lines.push(l));
    expect(settings.workspaceIds).toEqual([base.RELAY_WORKSPACE_1_ID]);
    expect(settings.queueName).toBe('relay-ingest');
    for (let i = 0; i < 3; i++) {
      let caught: unknown;
      try {
        void settings.workspaces;
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(WorkspaceKeysPending);
      expect(caught).toMatchObject({ status: 503, code: 'ServiceUnavailable', retryAfterSeconds: 60 });
      expect((caught as Error).message).toMatch(/RELAY_WORKSPACE_1_PRIMARY_KEY is an unresolved Key Vault reference/);
    }
    // One log line per minute at most, naming the setting, never a key.
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/RELAY_WORKSPACE_1_PRIMARY_KEY/);
    env.RELAY_WORKSPACE_1_PRIMARY_KEY = KEY;
    expect(settings.workspaces[0]!.primaryKey).toEqual(Buffer.from(KEY, 'base64'));
  });

  it('still refuses other bad settings at start-up while a key is pending', () => {
    expect(failure({ ...base, RELAY_WORKSPACE_1_PRIMARY_KEY: '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/k/)', RELAY_STORAGE: undefined })).toMatch(
      /RELAY_STORAGE is missing/,
    );
  });

  it('names a malformed workspace id', () => {
    expect(failure({ ...base, RELAY_WORKSPACE_1_ID: 'not-a-guid' })).toMatch(/RELAY_WORKSPACE_1_ID is malformed: expected a workspace id \(GUID/);
  });

  it('names a missing storage connection', () => {
    expect(failure({ ...base, RELAY_STORAGE: undefined })).toMatch(/RELAY_STORAGE is missing/);
  });

  it('names malformed storage URIs', () => {
    expect(failure({ ...base, RELAY_STORAGE: undefined, RELAY_STORAGE__queueServiceUri: 'nope', RELAY_STORAGE__blobServiceUri: 'https://a.blob.core.windows.net' })).toMatch(
      /RELAY_STORAGE__queueServiceUri is malformed/,
    );
  });

  it('names a bad clock skew, queue or container name', () => {
    expect(failure({ ...base, RELAY_CLOCK_SKEW_MINUTES: 'ten' })).toMatch(/RELAY_CLOCK_SKEW_MINUTES is malformed/);
    expect(failure({ ...base, RELAY_QUEUE_NAME: 'Bad_Queue' })).toMatch(/RELAY_QUEUE_NAME is malformed: expected a queue name/);
    expect(failure({ ...base, RELAY_BLOB_CONTAINER: 'x' })).toMatch(/RELAY_BLOB_CONTAINER is malformed: expected a container name/);
  });

  it('refuses a workspace configured twice', () => {
    expect(failure({ ...base, RELAY_WORKSPACE_2_ID: base.RELAY_WORKSPACE_1_ID, RELAY_WORKSPACE_2_PRIMARY_KEY: KEY2 })).toMatch(/configured twice/);
  });
});
