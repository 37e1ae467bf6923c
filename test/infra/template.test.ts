import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { APP_SETTINGS } from '../../shared/settings/appSettings';
import { type PredictedResource, buildMain, infraDir, ofType, one, repoRoot, skipWithoutBicep, snapshot } from './bicepCli';

const roles = JSON.parse(readFileSync(join(infraDir, 'roles.json'), 'utf8')) as Record<string, { name: string; id: string }>;
const roleName = (definitionId: string): string =>
  Object.values(roles).find((r) => typeof r === 'object' && definitionId.endsWith(`/${r.id}`))?.name ?? definitionId;

/** The scope of a role assignment: its id up to /providers/Microsoft.Authorization (evaluated or, when the principal is a new identity, still an extensionResourceId() expression). */
function scopeOf(assignment: PredictedResource): string {
  const evaluated = /^(.*)\/providers\/Microsoft\.Authorization\/roleAssignments\/[^/]+$/.exec(assignment.id);
  if (evaluated) return evaluated[1]!;
  const pending = /^\[extensionResourceId\('([^']+)'/.exec(assignment.id);
  if (pending) return pending[1]!;
  throw new Error(`cannot read the scope of ${assignment.id}`);
}

/** "Role on <type>/<name>", one per assignment, with the principal kind: app (the new identity) or the given id. */
function grants(resources: PredictedResource[]): string[] {
  return ofType(resources, 'Microsoft.Authorization/roleAssignments')
    .map((a) => {
      const p = a.properties!;
      const who = /^\[reference\(.*userAssignedIdentities/.test(p.principalId) ? 'app' : `${p.principalType}:${p.principalId}`;
      const scope = scopeOf(a).replace(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\//, '');
      return `${who} ${roleName(p.roleDefinitionId)} on ${scope}`;
    })
    .sort();
}

const settingsOf = (resources: PredictedResource[]): Record<string, string> =>
  one(resources, 'Microsoft.Web/sites/config').properties as Record<string, string>;

describe.skipIf(skipWithoutBicep())('compiled template: what ARM receives', { timeout: 240_000 }, () => {
  let commercial: ReturnType<typeof snapshot>;
  beforeAll(() => {
    commercial = snapshot({});
  }, 240_000);

  it('grants the relay identity each role on the one resource that needs it, and the deployer nothing by default', () => {
    expect(grants(commercial.resources)).toEqual(
      [
        'app Key Vault Secrets User on Microsoft.KeyVault/vaults/kv-',
        'app Monitoring Metrics Publisher on Microsoft.Insights/components/appi-',
        'app Monitoring Metrics Publisher on Microsoft.Insights/dataCollectionRules/dcr-',
        'app Storage Blob Data Owner on Microsoft.Storage/storageAccounts/st',
        'app Storage Queue Data Contributor on Microsoft.Storage/storageAccounts/st',
      ].map((g) => expect.stringMatching(new RegExp(`^${g.replace(/\//g, '\\/')}[a-z0-9]+$`))),
    );
  });

  it('deployer local-run roles are opt-in, scoped to the relay\'s container, queues and DCR, and never Key Vault', () => {
    const user = '99999999-0000-0000-0000-000000000001';
    const withUser = snapshot({ principalId: user, principalType: 'User', grantDeployerLocalRunRoles: true });
    const deployer = grants(withUser.resources).filter((g) => g.startsWith(`User:${user}`));
    const token = one(withUser.resources, 'Microsoft.Storage/storageAccounts').name.slice('st'.length);
    expect(deployer.map((g) => g.split(token).join('<token>'))).toEqual([
      `User:${user} Monitoring Metrics Publisher on Microsoft.Insights/dataCollectionRules/dcr-<token>`,
      `User:${user} Storage Blob Data Contributor on Microsoft.Storage/storageAccounts/st<token>/blobServices/default/containers/relay-payloads`,
      `User:${user} Storage Queue Data Contributor on Microsoft.Storage/storageAccounts/st<token>/queueServices/default/queues/relay-ingest`,
      `User:${user} Storage Queue Data Contributor on Microsoft.Storage/storageAccounts/st<token>/queueServices/default/queues/relay-ingest-poison`,
    ]);
    const pipeline = snapshot({ principalId: user, principalType: 'ServicePrincipal', grantDeployerLocalRunRoles: true });
    expect(grants(pipeline.resources).filter((g) => !g.startsWith('app '))).toEqual([]);
    const notAsked = snapshot({ principalId: user, principalType: 'User' });
    expect(grants(notAsked.resources).filter((g) => !g.startsWith('app '))).toEqual([]);
  });

  it('storage: identity only, TLS 1.2, HTTPS only, no public blobs; the queues and containers the code uses', () => {
    const account = one(commercial.resources, 'Microsoft.Storage/storageAccounts').properties!;
    expect(account).toMatchObject({ allowSharedKeyAccess: false, allowBlobPublicAccess: false, minimumTlsVersion: 'TLS1_2', supportsHttpsTrafficOnly: true });
    const names = (type: string) => ofType(commercial.resources, type).map((r) => r.name.split('/').pop()).sort();
    expect(names('Microsoft.Storage/storageAccounts/queueServices/queues')).toEqual(['relay-ingest', 'relay-ingest-poison']);
    expect(names('Microsoft.Storage/storageAccounts/blobServices/containers')).toEqual(['app-package', 'relay-payloads']);
  });

  it('Application Insights masks IP addresses and takes Entra-authenticated telemetry only', () => {
    expect(one(commercial.resources, 'Microsoft.Insights/components').properties).toMatchObject({ DisableIpMasking: false, DisableLocalAuth: true });
  });

  it('app settings: every setting the code requires, keys as Key Vault references, storage through the identity', () => {
    const settings = settingsOf(commercial.resources);
    const required = APP_SETTINGS.filter((s) => s.requiredInAzure).map((s) => s.name);
    expect(required.filter((name) => !(name in settings))).toEqual([]);
    const known = new Set(APP_SETTINGS.map((s) => s.name));
    expect(Object.keys(settings).filter((k) => (k.startsWith('RELAY_') || k.startsWith('AZURE_')) && !known.has(k))).toEqual([]);
    expect(settings.RELAY_WORKSPACE_1_PRIMARY_KEY).toMatch(/@Microsoft\.KeyVault\(SecretUri=.*\/secrets\/relay-workspace-1-(primary|secondary)-key/);
    expect(settings.RELAY_WORKSPACE_1_SECONDARY_KEY).toMatch(/@Microsoft\.KeyVault\(SecretUri=.*\/secrets\/relay-workspace-1-(primary|secondary)-key/);
    expect(JSON.stringify(settings)).not.toContain('cHJpbWFyeS1rZXk=');
    for (const prefix of ['AzureWebJobsStorage', 'RELAY_STORAGE']) expect(settings[`${prefix}__credential`]).toBe('managedidentity');
    expect(settings.AzureWebJobsStorage__blobServiceUri).toMatch(/^https:\/\/st[a-z0-9]+\.blob\.core\.windows\.net\/$/);
    expect(settings.RELAY_KEEPER_CL_ENABLED).toBe('false');
    expect(settings.RELAY_CLOUD).toBe('public');
    const site = one(commercial.resources, 'Microsoft.Web/sites');
    expect(site.properties!.keyVaultReferenceIdentity).toMatch(/userAssignedIdentities\/id-relay-/);
    expect(site.properties!.httpsOnly).toBe(true);
  });

  it('commercial cloud: Flex Consumption, runtime in functionAppConfig, no settings Flex rejects', () => {
    expect(one(commercial.resources, 'Microsoft.Web/serverfarms').sku).toMatchObject({ name: 'FC1', tier: 'FlexConsumption' });
    const site = one(commercial.resources, 'Microsoft.Web/sites').properties!;
    expect(site.functionAppConfig.runtime).toEqual({ name: 'node', version: '22' });
    const settings = settingsOf(commercial.resources);
    for (const name of ['FUNCTIONS_WORKER_RUNTIME', 'FUNCTIONS_EXTENSION_VERSION', 'WEBSITE_RUN_FROM_PACKAGE']) expect(settings, name).not.toHaveProperty(name);
    expect(commercial.outputs.RELAY_HOSTING_PLAN).toBe('FlexConsumption');
  });

  it.each([
    ['AzureUSGovernment', 'usgovernment', 'core.usgovcloudapi.net'],
    ['AzureChinaCloud', 'china', 'core.chinacloudapi.cn'],
  ] as const)('%s: Elastic Premium EP1 (Flex Consumption is not offered), identity storage and Key Vault references kept', (cloud, relayCloud, suffix) => {
    const gov = snapshot({}, cloud);
    expect(one(gov.resources, 'Microsoft.Web/serverfarms').sku).toMatchObject({ name: 'EP1', tier: 'ElasticPremium' });
    const site = one(gov.resources, 'Microsoft.Web/sites').properties!;
    expect(site.functionAppConfig).toBeNull();
    expect(site.siteConfig.linuxFxVersion).toBe('Node|22');
    const settings = settingsOf(gov.resources);
    expect(settings).toMatchObject({ FUNCTIONS_EXTENSION_VERSION: '~4', FUNCTIONS_WORKER_RUNTIME: 'node', RELAY_CLOUD: relayCloud, AzureWebJobsStorage__credential: 'managedidentity' });
    expect(settings.AzureWebJobsStorage__queueServiceUri).toContain(`.queue.${suffix}/`);
    expect(settings.RELAY_WORKSPACE_1_PRIMARY_KEY).toMatch(/@Microsoft\.KeyVault\(SecretUri=.*\/secrets\/relay-workspace-1-(primary|secondary)-key/);
    expect(settings).not.toHaveProperty('WEBSITE_CONTENTAZUREFILECONNECTIONSTRING');
    expect(gov.outputs.RELAY_HOSTING_PLAN).toBe('ElasticPremium');
  });

  it('the plan can be overridden either way', () => {
    expect(one(snapshot({ hostingPlan: 'ElasticPremium' }).resources, 'Microsoft.Web/serverfarms').sku!.name).toBe('EP1');
    expect(one(snapshot({ hostingPlan: 'FlexConsumption' }, 'AzureUSGovernment').resources, 'Microsoft.Web/serverfarms').sku!.name).toBe('FC1');
  });

  it('sender IP allow-list: access restrictions with Deny for the rest; none and Allow when empty', () => {
    expect(one(commercial.resources, 'Microsoft.Web/sites').properties!.siteConfig).toMatchObject({ ipSecurityRestrictions: [], ipSecurityRestrictionsDefaultAction: 'Allow' });
    const limited = snapshot({ allowedSenderIpRanges: '203.0.113.7, 198.51.100.0/24' });
    expect(one(limited.resources, 'Microsoft.Web/sites').properties!.siteConfig).toMatchObject({
      ipSecurityRestrictionsDefaultAction: 'Deny',
      scmIpSecurityRestrictionsUseMain: false,
      ipSecurityRestrictions: [
        { name: 'sender-1', ipAddress: '203.0.113.7/32', action: 'Allow', priority: 100 },
        { name: 'sender-2', ipAddress: '198.51.100.0/24', action: 'Allow', priority: 101 },
      ],
    });
  });

  it('refuses a Keeper DCR id without its ingestion endpoint (and the reverse) at provision time', () => {
    const dcrId = '/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/sentinel/providers/Microsoft.Insights/dataCollectionRules/keeper';
    expect(() => snapshot({ existingKeeperDcrResourceId: dcrId })).toThrow(/must be set together/);
    expect(() => snapshot({ existingKeeperIngestionEndpoint: 'https://x.ingest.monitor.azure.com' })).toThrow(/must be set together/);
  });

  it('references an existing resource group instead of re-declaring it', () => {
    expect(ofType(commercial.resources, 'Microsoft.Resources/resourceGroups').map((r) => r.name)).toEqual(['rg-relaytest']);
    const existing = snapshot({ resourceGroupName: 'rg-existing-westeurope' });
    expect(ofType(existing.resources, 'Microsoft.Resources/resourceGroups')).toEqual([]);
    expect(one(existing.resources, 'Microsoft.Web/sites').id).toContain('/resourceGroups/rg-existing-westeurope/');
  });

  it('outputs what a local run needs, no AZURE_CLIENT_ID and never a key', () => {
    const outputs = Object.keys((buildMain().template.outputs ?? {}) as object);
    for (const name of ['AZURE_RESOURCE_GROUP', 'RELAY_INGESTION_ENDPOINT', 'RELAY_DCR_IMMUTABLE_ID', 'RELAY_STORAGE__queueServiceUri', 'RELAY_STORAGE__blobServiceUri', 'RELAY_QUEUE_NAME', 'RELAY_BLOB_CONTAINER', 'RELAY_CLOUD', 'RELAY_IDENTITY_CLIENT_ID']) {
      expect(outputs, name).toContain(name);
    }
    expect(outputs).not.toContain('AZURE_CLIENT_ID');
    expect(outputs.filter((o) => /KEY$/.test(o))).toEqual([]);
  });
});

describe('azd wiring', () => {
  const parameterFile = JSON.parse(readFileSync(join(infraDir, 'main.parameters.json'), 'utf8')) as { parameters: Record<string, { value: unknown }> };
  const azureYaml = readFileSync(join(repoRoot, 'azure.yaml'), 'utf8');

  it('azure.yaml: one TypeScript function service, built remotely', () => {
    const service = azureYaml.slice(azureYaml.indexOf('\n  relay:'));
    for (const line of ['project: .', 'language: ts', 'host: function', 'remoteBuild: true']) expect(service).toContain(`\n    ${line}\n`);
  });

  it.skipIf(skipWithoutBicep())('main.parameters.json maps only declared parameters, from azd environment variables, never a key', () => {
    const declared = (buildMain().template.parameters ?? {}) as Record<string, { type: string }>;
    for (const [name, { value }] of Object.entries(parameterFile.parameters)) {
      expect(declared, name).toHaveProperty(name);
      expect(value, name).toMatch(/^\$\{[A-Z0-9_]+(=[^}]*)?\}$/);
      expect(declared[name]!.type, name).not.toBe('securestring');
    }
    const prompted = Object.entries(declared).filter(([n, p]) => !('defaultValue' in p) && !(n in parameterFile.parameters)).map(([n]) => n).sort();
    expect(prompted).toEqual(['legacyWorkspaceId', 'legacyWorkspacePrimaryKey', 'legacyWorkspaceSecondaryKey']);
  });
});
