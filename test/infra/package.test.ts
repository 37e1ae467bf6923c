import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ignore from 'ignore';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './bicepCli';

/**
 * What azd would zip for the Function App: the project root minus .funcignore (gitignore syntax, which azd applies
 * to function services). Run after `npm run build`, as `npm test` does, so dist/ exists.
 */
function packagedFiles(): string[] {
  const rules = ignore().add(readFileSync(join(repoRoot, '.funcignore'), 'utf8'));
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const full = join(dir, entry);
      const rel = relative(repoRoot, full);
      const isDir = statSync(full).isDirectory();
      if (rules.ignores(isDir ? `${rel}/` : rel)) continue;
      if (isDir) walk(full);
      else out.push(rel);
    }
  };
  walk(repoRoot);
  return out.sort();
}

describe('Function App package content', () => {
  const files = packagedFiles();
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { devDependencies: Record<string, string>; main: string };

  it('ships the built functions, host.json and the manifest for the remote npm install', () => {
    expect(files).toEqual(expect.arrayContaining(['host.json', 'package.json', 'package-lock.json']));
    expect(files.filter((f) => /^dist\/functions\/[^/]+\.js$/.test(f)).length).toBeGreaterThan(2);
    expect(pkg.main).toBe('dist/functions/*.js');
  });

  it('ships no node_modules (so no dev dependency), no sources, tests, tools, infra or local settings', () => {
    const unexpected = files.filter((f) => !/^(dist\/(functions|shared)\/.+\.js|dist\/shared\/.+\.json|host\.json|package(-lock)?\.json|\.funcignore)$/.test(f));
    expect(unexpected).toEqual([]);
    for (const dev of Object.keys(pkg.devDependencies)) expect(files.filter((f) => f.includes(`node_modules/${dev}/`)), dev).toEqual([]);
  });

  it('stays small: under 2 MB before compression', () => {
    const bytes = files.reduce((sum, f) => sum + statSync(join(repoRoot, f)).size, 0);
    expect(bytes).toBeLessThan(2 * 1024 * 1024);
  });
});
