import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { buildMain, infraDir, parseDiagnostics, runBicep, skipWithoutBicep } from './bicepCli';

/** The real compiler and linter: what `azd provision` runs first, with zero errors and zero warnings. */
describe.skipIf(skipWithoutBicep())('Bicep compile and lint (real Bicep CLI)', { timeout: 240_000 }, () => {
  it('bicep build infra/main.bicep: no error, no warning', () => {
    const { template, diagnostics } = buildMain();
    expect(diagnostics).toEqual([]);
    expect(template.$schema).toMatch(/subscriptionDeploymentTemplate/);
  });

  it('bicep lint infra/main.bicep (every module it uses): no finding', () => {
    const r = runBicep(['lint', join(infraDir, 'main.bicep')]);
    expect(parseDiagnostics(r.stdout + r.stderr)).toEqual([]);
    expect(r.status, r.stderr).toBe(0);
  });

  it('uses no registry module, so it compiles offline', () => {
    const text = JSON.stringify(buildMain().template);
    expect(text).not.toMatch(/br\/public|br:mcr\.microsoft\.com/);
  });
});
