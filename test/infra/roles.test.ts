import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bodyObject, infraDir, listBicepFiles, objectProperty, parseBicepFile, resources } from './bicep';

/**
 * Role definition ids as documented in "Azure built-in roles" (learn.microsoft.com/azure/role-based-access-control/
 * built-in-roles, Monitor, Storage and Security sections), checked by hand when this file was written.
 */
const DOCUMENTED_ROLE_IDS: Record<string, string> = {
  'Monitoring Metrics Publisher': '3913510d-42f4-4e42-8a64-420c390055eb',
  'Storage Blob Data Owner': 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  'Storage Queue Data Contributor': '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  'Key Vault Secrets User': '4633458b-17de-408a-b874-0445c86b69e6',
};

const roles = JSON.parse(readFileSync(join(infraDir, 'roles.json'), 'utf8')) as Record<string, { name: string; id: string } | string>;
const roleEntries = Object.entries(roles).filter((e): e is [string, { name: string; id: string }] => typeof e[1] === 'object');

/** Which roles may be granted on which kind of resource: nothing else, and never a workspace or subscription. */
const ALLOWED: Record<string, string[]> = {
  'Microsoft.Insights/dataCollectionRules': ['monitoringMetricsPublisher'],
  'Microsoft.Insights/components': ['monitoringMetricsPublisher'],
  'Microsoft.Storage/storageAccounts': ['storageBlobDataOwner', 'storageQueueDataContributor'],
  'Microsoft.KeyVault/vaults': ['keyVaultSecretsUser'],
};

describe('least-privilege role assignments', () => {
  it('roles.json holds the documented ids for the roles it names', () => {
    expect(roleEntries.map(([, r]) => r.name).sort()).toEqual(Object.keys(DOCUMENTED_ROLE_IDS).sort());
    for (const [, r] of roleEntries) expect(r.id, r.name).toBe(DOCUMENTED_ROLE_IDS[r.name]);
  });

  it('no Bicep file writes a role id itself: all come from roles.json', async () => {
    for (const path of listBicepFiles()) {
      const file = await parseBicepFile(path);
      const guids = file.root.descendantsOfType('string_content').filter((n) => /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i.test(n.text));
      expect(guids.map((g) => g.text), file.name).toEqual([]);
    }
  });

  it('main.bicep (subscription scope) assigns nothing itself', async () => {
    const main = await parseBicepFile(join(infraDir, 'main.bicep'));
    expect(resources(main).filter((r) => r.type.startsWith('Microsoft.Authorization/'))).toEqual([]);
  });

  it('every assignment is scoped to one DCR, storage account, vault or Application Insights component, with an allowed role', async () => {
    let count = 0;
    const granted = new Set<string>();
    for (const path of listBicepFiles()) {
      const file = await parseBicepFile(path);
      const all = resources(file);
      for (const ra of all.filter((r) => r.type.startsWith('Microsoft.Authorization/roleAssignments@'))) {
        count++;
        const body = bodyObject(ra.node);
        const scope = objectProperty(body, 'scope')?.text;
        expect(scope, `${file.name}: ${ra.symbol} has no scope (it would land on the resource group)`).toBeDefined();
        const target = all.find((r) => r.symbol === scope);
        expect(target?.existing, `${file.name}: ${ra.symbol} scope ${scope} is an existing resource`).toBe(true);
        const targetType = target!.type.split('@')[0]!;
        expect(Object.keys(ALLOWED), `${file.name}: ${ra.symbol} on ${targetType}`).toContain(targetType);
        const roleExpr = objectProperty(objectProperty(body, 'properties'), 'roleDefinitionId')?.text ?? '';
        const m = /^subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions', roles\.([A-Za-z]+)\.id\)$/.exec(roleExpr);
        expect(m, `${file.name}: ${ra.symbol} roleDefinitionId ${roleExpr}`).not.toBeNull();
        expect(ALLOWED[targetType], `${file.name}: ${ra.symbol} grants ${m![1]} on ${targetType}`).toContain(m![1]);
        expect(roles[m![1]!], m![1]).toBeDefined();
        // Names derived from scope, principal and role keep re-deployments idempotent.
        expect(objectProperty(body, 'name')?.text, ra.symbol).toMatch(/^guid\(/);
        granted.add(`${targetType}:${m![1]}`);
      }
      if (/roles\.json/.test(file.source)) expect(file.source).toContain("loadJsonContent('../roles.json')");
    }
    expect(count).toBeGreaterThanOrEqual(5);
    // Every role the relay needs is granted somewhere.
    expect([...granted].sort()).toEqual(
      Object.entries(ALLOWED)
        .flatMap(([t, rs]) => rs.map((r) => `${t}:${r}`))
        .sort(),
    );
  });
});
