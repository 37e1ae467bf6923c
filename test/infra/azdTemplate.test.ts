import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type BicepFile,
  infraDir,
  listBicepFiles,
  modules,
  outputs,
  params,
  parseBicepFile,
  repoRoot,
  resources,
  stringValue,
  variables,
  bodyObject,
  objectProperty,
} from './bicep';

/** The services block of azure.yaml: name -> its scalar properties. Tiny reader for the flat shape azd uses. */
function azureYamlServices(text: string): Map<string, Record<string, string>> {
  const services = new Map<string, Record<string, string>>();
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => /^services:\s*$/.test(l));
  if (start < 0) return services;
  let current: Record<string, string> | undefined;
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break; // next top-level key
    const svc = /^ {2}([A-Za-z0-9_-]+):\s*$/.exec(line);
    if (svc) {
      current = {};
      services.set(svc[1]!, current);
      continue;
    }
    const prop = /^ {4}([A-Za-z]+):\s*(\S.*?)\s*$/.exec(line);
    if (prop && current) current[prop[1]!] = prop[2]!.replace(/^['"]|['"]$/g, '');
  }
  return services;
}

describe('azd template shape', () => {
  let main: BicepFile;
  let functionApp: BicepFile;
  const parameterFile = JSON.parse(readFileSync(join(infraDir, 'main.parameters.json'), 'utf8')) as {
    parameters: Record<string, { value: unknown }>;
  };
  const services = azureYamlServices(readFileSync(join(repoRoot, 'azure.yaml'), 'utf8'));

  beforeAll(async () => {
    main = await parseBicepFile(join(infraDir, 'main.bicep'));
    functionApp = await parseBicepFile(join(infraDir, 'app', 'function-app.bicep'));
  });

  it('azure.yaml has one TypeScript service hosted on Azure Functions', () => {
    expect([...services.keys()]).toHaveLength(1);
    const [svc] = [...services.values()];
    expect(svc).toMatchObject({ project: '.', language: 'ts', host: 'function' });
  });

  it('main.bicep deploys at subscription scope', () => {
    const scope = main.root.namedChildren.find((n) => n.type === 'target_scope_assignment');
    expect(stringValue(scope?.namedChildren[0])).toBe('subscription');
  });

  it("the Function App's azd-service-name tag is the azure.yaml service name", () => {
    const [serviceName] = [...services.keys()];
    // main.bicep passes its serviceName variable to the module, which tags the site with it.
    const mainVar = variables(main).get('serviceName');
    expect(stringValue(mainVar?.namedChildren[1])).toBe(serviceName);
    const fnModule = modules(main).find((m) => m.source === 'app/function-app.bicep');
    expect(objectProperty(objectProperty(bodyObject(fnModule!.node), 'params'), 'serviceName')?.text).toBe('serviceName');
    const site = resources(functionApp).find((r) => r.type.startsWith('Microsoft.Web/sites@'));
    const tags = objectProperty(bodyObject(site!.node), 'tags')?.text ?? '';
    expect(tags).toMatch(/'azd-service-name':\s*serviceName/);
    const moduleDefault = params(functionApp).find((p) => p.name === 'serviceName');
    expect(moduleDefault?.hasDefault).toBe(true);
    expect(functionApp.source).toMatch(new RegExp(`param serviceName string = '${serviceName}'`));
  });

  it('tags every resource group resource with azd-env-name', () => {
    expect(variables(main).get('tags')?.text).toMatch(/'azd-env-name':\s*environmentName/);
  });

  it('every parameter in main.parameters.json is declared in main.bicep', () => {
    const declared = new Set(params(main).map((p) => p.name));
    const undeclared = Object.keys(parameterFile.parameters).filter((name) => !declared.has(name));
    expect(undeclared).toEqual([]);
  });

  it('main.parameters.json maps azd environment variables', () => {
    for (const [name, { value }] of Object.entries(parameterFile.parameters)) {
      expect(value, name).toMatch(/^\$\{[A-Z0-9_]+(=[^}]*)?\}$/);
    }
    expect(parameterFile.parameters.environmentName?.value).toBe('${AZURE_ENV_NAME}');
    expect(parameterFile.parameters.location?.value).toBe('${AZURE_LOCATION}');
  });

  it('azd prompts only for the legacy workspace id and keys, and the keys are secure parameters', () => {
    const mapped = new Set(Object.keys(parameterFile.parameters));
    const prompted = params(main)
      .filter((p) => !p.hasDefault && !mapped.has(p.name))
      .map((p) => p.name)
      .sort();
    expect(prompted).toEqual(['legacyWorkspaceId', 'legacyWorkspacePrimaryKey', 'legacyWorkspaceSecondaryKey']);
    const secure = params(main).filter((p) => p.secure).map((p) => p.name).sort();
    expect(secure).toEqual(['legacyWorkspacePrimaryKey', 'legacyWorkspaceSecondaryKey']);
    // A secure value mapped from the environment would sit in plain text in .azure/<env>/.env.
    for (const name of secure) expect(mapped.has(name), name).toBe(false);
  });

  it('uses only abbreviations that abbreviations.json defines', () => {
    const abbrs = JSON.parse(readFileSync(join(infraDir, 'abbreviations.json'), 'utf8')) as Record<string, string>;
    const used = [...main.source.matchAll(/\babbrs\.([A-Za-z]+)/g)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(5);
    expect(used.filter((k) => !(k in abbrs))).toEqual([]);
  });

  it('pins every Azure Verified Module to an exact version', () => {
    const registry = modules(main).filter((m) => m.source.startsWith('br/'));
    expect(registry.length).toBeGreaterThan(0);
    for (const m of registry) expect(m.source).toMatch(/^br\/public:avm\/res\/[a-z0-9/-]+:\d+\.\d+\.\d+$/);
  });

  describe('local module wiring', () => {
    const cases: Array<[string, string]> = [];
    for (const path of listBicepFiles()) cases.push([path.slice(infraDir.length + 1), path]);

    it.each(cases)('%s: modules exist, get only declared params, all required params, and existing outputs', async (_n, path) => {
      const file = await parseBicepFile(path);
      for (const m of modules(file).filter((x) => !x.source.startsWith('br/'))) {
        const target = resolve(dirname(path), m.source);
        expect(existsSync(target), `${file.name}: module ${m.symbol} -> ${m.source}`).toBe(true);
        const child = await parseBicepFile(target);
        const declared = params(child);
        const names = new Set(declared.map((p) => p.name));
        expect(m.params.filter((p) => !names.has(p)), `${m.symbol}: undeclared params`).toEqual([]);
        const missing = declared.filter((p) => !p.hasDefault && !m.params.includes(p.name)).map((p) => p.name);
        expect(missing, `${m.symbol}: required params not passed`).toEqual([]);
        const childOutputs = new Set(outputs(child));
        const used = [...file.source.matchAll(new RegExp(`\\b${m.symbol}\\.outputs\\.([A-Za-z0-9_]+)`, 'g'))].map((x) => x[1]!);
        expect(used.filter((o) => !childOutputs.has(o)), `${m.symbol}: unknown outputs`).toEqual([]);
      }
    });
  });

  it('outputs the settings a local run against Azure needs, as azd environment variables', () => {
    const out = new Set(outputs(main));
    for (const name of [
      'AZURE_LOCATION',
      'AZURE_TENANT_ID',
      'AZURE_RESOURCE_GROUP',
      'AZURE_CLIENT_ID',
      'RELAY_INGESTION_ENDPOINT',
      'RELAY_DCR_IMMUTABLE_ID',
      'RELAY_STORAGE__queueServiceUri',
      'RELAY_STORAGE__blobServiceUri',
      'RELAY_QUEUE_NAME',
      'RELAY_BLOB_CONTAINER',
      'RELAY_CLOUD',
    ]) {
      expect(out.has(name), name).toBe(true);
    }
    // Outputs land in .azure/<env>/.env in plain text: never a key.
    expect([...out].filter((o) => /KEY$/.test(o))).toEqual([]);
  });
});
