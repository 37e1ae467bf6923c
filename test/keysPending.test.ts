import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRunner, type LocalRunner } from '../tools/localRunner';
import { legacyHeaders, legacyUrl } from './support/legacyRequest';
import { applyEnv, testRelay } from './support/relayEnv';

/**
 * Item 5 of the deploy issue: until the identity's Key Vault role propagates, App Service leaves the reference text
 * in the key settings. Every function must still register, delivery must run, and the legacy door must answer 503
 * with Retry-After (the sender keeps its data), then recover without a restart once the setting holds the key.
 */
const relay = testRelay('keys-pending');
const reference = '@Microsoft.KeyVault(SecretUri=https://kv-relay.vault.azure.net/secrets/relay-workspace-1-primary-key/)';
let runner: LocalRunner;

beforeAll(async () => {
  applyEnv({ ...relay.env, RELAY_WORKSPACE_1_PRIMARY_KEY: reference, RELAY_WORKSPACE_1_SECONDARY_KEY: reference.replace('primary', 'secondary') });
  runner = await startLocalRunner({ port: 0, queues: false });
});
afterAll(() => runner?.close());

const body = JSON.stringify([{ message: 'probe' }]);
const post = () => {
  const signed = { workspaceId: relay.workspaceId, key: relay.primaryKey, body, logType: 'KeysPending' };
  return fetch(`${runner.url}${new URL(legacyUrl({})).pathname}?api-version=2016-04-01`, { method: 'POST', headers: legacyHeaders(signed), body });
};

describe('workspace keys still unresolved Key Vault references', () => {
  it('every function registers', () => {
    expect(runner.registrations.http.map((r) => r.name)).toEqual(expect.arrayContaining(['keeperEvents', 'legacyLogs']));
    expect(runner.registrations.queue.map((r) => r.name)).toEqual(['deliver']);
  });

  it('the legacy door answers 503 ServiceUnavailable with Retry-After, naming the setting, then 200 once it resolves', async () => {
    const pending = await post();
    expect(pending.status).toBe(503);
    expect(pending.headers.get('retry-after')).toBe('60');
    const answer = (await pending.json()) as { Error: string; Message: string };
    expect(answer.Error).toBe('ServiceUnavailable');
    expect(answer.Message).toMatch(/RELAY_WORKSPACE_1_PRIMARY_KEY, RELAY_WORKSPACE_1_SECONDARY_KEY is an unresolved Key Vault reference/);
    // The platform resolves the references: the worker sees the keys, and no restart is needed.
    applyEnv({ RELAY_WORKSPACE_1_PRIMARY_KEY: relay.primaryKey, RELAY_WORKSPACE_1_SECONDARY_KEY: relay.secondaryKey });
    expect((await post()).status).toBe(200);
  });
});
