import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { APP_SETTINGS } from '../../shared/appSettings';
import { type BicepFile, type Node, bodyObject, infraDir, objectKeys, objectProperty, parseBicepFile, resources, stringValue, variables } from './bicep';

/** Setting name -> value expression, following union(...), ternaries and variables down to object literals. */
function settingExpressions(file: BicepFile, expr: Node | undefined, out = new Map<string, Node[]>()): Map<string, Node[]> {
  if (!expr) return out;
  const vars = variables(file);
  switch (expr.type) {
    case 'object':
      for (const key of objectKeys(expr)) {
        const value = objectProperty(expr, key)!;
        out.set(key, [...(out.get(key) ?? []), value]);
      }
      break;
    case 'call_expression':
      expect(expr.childForFieldName('function')?.text, 'only union() may combine app settings').toBe('union');
      for (const arg of expr.childForFieldName('arguments')?.namedChildren ?? []) settingExpressions(file, arg, out);
      break;
    case 'ternary_expression':
      settingExpressions(file, expr.childForFieldName('consequence') ?? undefined, out);
      settingExpressions(file, expr.childForFieldName('alternative') ?? undefined, out);
      break;
    case 'parenthesized_expression':
      settingExpressions(file, expr.namedChildren[0], out);
      break;
    case 'identifier': {
      const decl = vars.get(expr.text);
      expect(decl, `app settings use ${expr.text}, which is not a variable of ${file.name}`).toBeDefined();
      settingExpressions(file, decl!.namedChildren[decl!.namedChildren.length - 1], out);
      break;
    }
    default:
      throw new Error(`unexpected ${expr.type} in the app settings of ${file.name}`);
  }
  return out;
}

describe('Function App settings', () => {
  let file: BicepFile;
  let settings: Map<string, Node[]>;

  beforeAll(async () => {
    file = await parseBicepFile(join(infraDir, 'app', 'function-app.bicep'));
    const config = resources(file).find((r) => r.type === 'config' && stringValue(objectProperty(bodyObject(r.node), 'name')) === 'appsettings');
    expect(config, 'an appsettings config resource').toBeDefined();
    settings = settingExpressions(file, objectProperty(bodyObject(config!.node), 'properties'));
  });

  it('sets every setting the code requires in Azure (shared/appSettings.ts)', () => {
    const required = APP_SETTINGS.filter((s) => s.requiredInAzure).map((s) => s.name);
    expect(required.length).toBeGreaterThan(5);
    expect(required.filter((name) => !settings.has(name))).toEqual([]);
  });

  it('sets no relay setting the code does not know (catches typos)', () => {
    const known = new Set(APP_SETTINGS.map((s) => s.name));
    const relaySettings = [...settings.keys()].filter((k) => k.startsWith('RELAY_') || k.startsWith('AZURE_'));
    expect(relaySettings.filter((k) => !known.has(k))).toEqual([]);
  });

  it('reads the workspace keys through Key Vault references', () => {
    for (const name of ['RELAY_WORKSPACE_1_PRIMARY_KEY', 'RELAY_WORKSPACE_1_SECONDARY_KEY']) {
      const values = settings.get(name) ?? [];
      expect(values, name).toHaveLength(1);
      expect(values[0]!.text, name).toMatch(/^'@Microsoft\.KeyVault\(SecretUri=\$\{[A-Za-z]+\}\)'$/);
    }
    const site = resources(file).find((r) => r.type.startsWith('Microsoft.Web/sites@'))!;
    const props = objectProperty(bodyObject(site.node), 'properties');
    // A user-assigned identity resolves references only when named here.
    expect(objectProperty(props, 'keyVaultReferenceIdentity')?.text).toBe('identityResourceId');
  });

  it('connects host storage and the relay queue/container through the managed identity, never a key', () => {
    for (const prefix of ['AzureWebJobsStorage', 'RELAY_STORAGE']) {
      expect(settings.get(`${prefix}__credential`)?.[0]?.text).toBe("'managedidentity'");
      expect(settings.has(`${prefix}__clientId`), `${prefix}__clientId`).toBe(true);
      expect(settings.has(`${prefix}__blobServiceUri`), `${prefix}__blobServiceUri`).toBe(true);
      expect(settings.has(`${prefix}__queueServiceUri`), `${prefix}__queueServiceUri`).toBe(true);
    }
    expect(settings.has('AzureWebJobsStorage')).toBe(false);
    expect(settings.has('RELAY_STORAGE')).toBe(false);
    expect(file.source).not.toMatch(/AccountKey=|listKeys\(/);
  });

  it('uses Entra authentication for Application Insights', () => {
    expect(settings.get('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')?.[0]?.text).toMatch(/Authorization=AAD/);
  });

  it('leaves out the settings Flex Consumption rejects', () => {
    for (const name of ['FUNCTIONS_WORKER_RUNTIME', 'FUNCTIONS_EXTENSION_VERSION', 'WEBSITE_NODE_DEFAULT_VERSION', 'WEBSITE_RUN_FROM_PACKAGE']) {
      expect(settings.has(name), name).toBe(false);
    }
    expect(file.source).toMatch(/name: 'node'\s+version: '22'/);
  });

  it("writes RELAY_KEEPER_CL_ENABLED as 'true'/'false' (string(bool) would give 'True')", () => {
    expect(settings.get('RELAY_KEEPER_CL_ENABLED')?.[0]?.text).toBe("keeperClEnabled ? 'true' : 'false'");
  });

  it('uses the queue and container names the code defaults to, and creates the poison queue', async () => {
    const main = await parseBicepFile(join(infraDir, 'main.bicep'));
    const vars = variables(main);
    expect(stringValue(vars.get('relayQueueName')?.namedChildren[1])).toBe('relay-ingest');
    expect(stringValue(vars.get('relayBlobContainerName')?.namedChildren[1])).toBe('relay-payloads');
    expect(main.source).toMatch(/name: '\$\{relayQueueName\}-poison'/);
    expect(main.source).toMatch(/allowSharedKeyAccess: false/);
  });
});
