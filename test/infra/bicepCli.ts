/**
 * The real Bicep CLI for the infra tests. Found at the repository's tooling folder (`.ci/run` restores the pinned
 * Azure.Bicep.CommandLine.linux-x64 from NuGet there), then where azd (~/.azd/bin) and az (~/.azure/bin) install
 * it, then on PATH. Outside CI a missing CLI skips the infra tests with one line; under CI=true it fails them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..', '..');
export const infraDir = join(repoRoot, 'infra');
export const BICEP_VERSION = '0.49.2';

/** Where .ci/run restores the package (NuGet lower-cases package ids in the packages folder). */
export const toolingBicep = join(repoRoot, '.tools', 'bicep', 'packages', 'azure.bicep.commandline.linux-x64', BICEP_VERSION, 'tools', 'bicep');

function onPath(): string | undefined {
  const r = spawnSync('bicep', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? 'bicep' : undefined;
}

export function findBicep(): string | undefined {
  const candidates = [process.env.BICEP_CLI, toolingBicep, join(homedir(), '.azd', 'bin', 'bicep'), join(homedir(), '.azure', 'bin', 'bicep')];
  return candidates.find((p): p is string => !!p && existsSync(p)) ?? onPath();
}

export const bicep = findBicep();

/** Outside CI: true (and one line saying how to get the CLI) when the infra tests must skip. Under CI=true: throws. */
let warned = false;

export function skipWithoutBicep(): boolean {
  if (bicep) return false;
  if (process.env.CI === 'true') throw new Error('Bicep CLI not found: .ci/run installs it into .tools/bicep (CI=true never skips the compile).');
  if (!warned) console.warn('infra: skipped the Bicep compile (no Bicep CLI): run `bash .ci/run`, or install it with `az bicep install` / azd.');
  warned = true;
  return true;
}

export interface Diagnostic {
  file: string;
  line: number;
  level: string;
  code: string;
  message: string;
}

/** Parses `path(line,col) : Level CODE: message` lines the CLI prints on stderr. */
export function parseDiagnostics(text: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^(.*)\((\d+),\d+\) : (Error|Warning|Info) ([A-Za-z0-9-]+): (.*)$/.exec(line);
    if (m) out.push({ file: m[1]!, line: Number(m[2]), level: m[3]!, code: m[4]!, message: m[5]! });
  }
  return out;
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runBicep(args: string[], cwd = repoRoot): CliRun {
  if (!bicep) throw new Error('no Bicep CLI');
  const r = spawnSync(bicep, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let compiled: { template: ArmTemplate; diagnostics: Diagnostic[] } | undefined;

// The compiled template is an ARM JSON document; tests read only the parts they need.
export type ArmTemplate = Record<string, unknown>;

/** `bicep build` of infra/main.bicep, once per test file. */
export function buildMain(): { template: ArmTemplate; diagnostics: Diagnostic[] } {
  if (!compiled) {
    const r = runBicep(['build', join(infraDir, 'main.bicep'), '--stdout']);
    if (r.status !== 0) throw new Error(`bicep build failed:\n${r.stderr}`);
    compiled = { template: JSON.parse(r.stdout) as ArmTemplate, diagnostics: parseDiagnostics(r.stderr) };
  }
  return compiled;
}

/**
 * What ARM's environment() returns in each cloud, for the parts the template reads (name, storage suffix), from
 * `az cloud show` / the ARM template functions reference. The snapshot evaluator does not evaluate environment(),
 * so tests substitute the cloud's object for it in the compiled JSON.
 */
export const CLOUD_ENVIRONMENTS = {
  AzureCloud: { name: 'AzureCloud', suffixes: { storage: 'core.windows.net' } },
  AzureUSGovernment: { name: 'AzureUSGovernment', suffixes: { storage: 'core.usgovcloudapi.net' } },
  AzureChinaCloud: { name: 'AzureChinaCloud', suffixes: { storage: 'core.chinacloudapi.cn' } },
} as const;
export type CloudName = keyof typeof CLOUD_ENVIRONMENTS;

function withEnvironment(value: unknown, literal: string): unknown {
  if (typeof value === 'string') return value.split('environment()').join(literal);
  if (Array.isArray(value)) return value.map((v) => withEnvironment(v, literal));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withEnvironment(v, literal)]));
  return value;
}

export interface PredictedResource {
  id: string;
  type: string;
  name: string;
  location?: string;
  tags?: Record<string, string>;
  sku?: Record<string, unknown>;
  kind?: string;
  properties?: Record<string, any>;
}

export const SUBSCRIPTION_ID = '00000000-0000-0000-0000-000000000001';

/** Parameters every snapshot needs (the ones azd prompts for), overridable per test. */
export const BASE_PARAMETERS: Record<string, unknown> = {
  environmentName: 'relaytest',
  location: 'eastus',
  legacyWorkspaceId: '11111111-2222-3333-4444-555555555555',
  legacyWorkspacePrimaryKey: 'cHJpbWFyeS1rZXk=',
  legacyWorkspaceSecondaryKey: 'c2Vjb25kYXJ5LWtleQ==',
};

function bicepparamValue(v: unknown): string {
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (Array.isArray(v)) return `[${v.map(bicepparamValue).join(', ')}]`;
  throw new Error(`unsupported parameter value ${JSON.stringify(v)}`);
}

/**
 * The resources ARM would receive for these parameters in this cloud: `bicep snapshot` on the compiled template
 * (nested module deployments expanded, expressions evaluated except values only Azure knows, such as a new
 * identity's principalId). Throws with the CLI's message when the template refuses the parameters (fail()).
 */
export function snapshot(parameters: Record<string, unknown>, cloud: CloudName = 'AzureCloud', template = buildMain().template): {
  resources: PredictedResource[];
  outputs: Record<string, unknown>;
} {
  const dir = mkdtempSync(join(tmpdir(), 'relay-bicep-'));
  const literal = `json('${JSON.stringify(CLOUD_ENVIRONMENTS[cloud])}')`;
  writeFileSync(join(dir, 'main.json'), JSON.stringify(withEnvironment(template, literal)));
  const all = { ...BASE_PARAMETERS, ...parameters };
  const lines = ["using 'main.json'", ...Object.entries(all).map(([k, v]) => `param ${k} = ${bicepparamValue(v)}`)];
  writeFileSync(join(dir, 'main.bicepparam'), `${lines.join('\n')}\n`);
  const r = runBicep(['snapshot', 'main.bicepparam', '--subscription-id', SUBSCRIPTION_ID, '--location', 'eastus', '--tenant-id', '00000000-0000-0000-0000-0000000000aa'], dir);
  const file = readdirSync(dir).find((f) => f.endsWith('.snapshot.json'));
  if (r.status !== 0 || !file) throw new Error(`bicep snapshot refused the parameters: ${r.stdout}${r.stderr}`.trim());
  const snap = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { predictedResources: PredictedResource[]; outputs: Record<string, unknown> };
  return { resources: snap.predictedResources, outputs: snap.outputs };
}

export function ofType(resources: PredictedResource[], type: string): PredictedResource[] {
  return resources.filter((r) => r.type.toLowerCase() === type.toLowerCase());
}

export function one(resources: PredictedResource[], type: string): PredictedResource {
  const found = ofType(resources, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0]!;
}

