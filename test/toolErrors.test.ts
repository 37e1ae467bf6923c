import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** Operator commands meeting a broken setup or a broken input: one line naming the problem, never a stack. */

const root = path.join(__dirname, '..');
const tmp = (name: string) => mkdtempSync(path.join(tmpdir(), `${name}-`));
const node = (args: string[], cwd = root) => spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });

describe('tools/build.cjs (first step of every npm script) without node_modules', () => {
  it('says to run npm ci, in one line, instead of a MODULE_NOT_FOUND stack', () => {
    // A checkout as it comes from git: the sources and package.json, no node_modules.
    const checkout = tmp('no-modules');
    mkdirSync(path.join(checkout, 'tools'));
    copyFileSync(path.join(root, 'tools', 'build.cjs'), path.join(checkout, 'tools', 'build.cjs'));
    for (const f of ['package.json', 'package-lock.json', 'tsconfig.json']) copyFileSync(path.join(root, f), path.join(checkout, f));
    const result = node([path.join(checkout, 'tools', 'build.cjs'), '--quiet'], checkout);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('run npm ci first');
    expect(result.stderr).not.toMatch(/MODULE_NOT_FOUND|at .*\.cjs:\d+/);
  });
});

describe('npm run generate:dcr with a bad stream file', () => {
  const cli = path.join(root, 'dist', 'tools', 'generateDcr.js');
  const streams = path.join(root, 'shared', 'streams');

  function check(files: Record<string, string>) {
    const dir = tmp('streams');
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    return { dir, result: node([cli, '--check', '--streams', dir]) };
  }

  it('names a file that is not JSON, in one line, exit 1', () => {
    const { dir, result } = check({ 'broken.json': '{ "stream": "Custom-X_CL", ' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(new RegExp(`^generate:dcr: ${dir}/broken\\.json: not JSON`));
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('names a file that is not a stream declaration, with the property, in one line', () => {
    const { result } = check({ 'empty.json': '{}' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/empty\.json: .*stream/);
  });

  it('names both files when two declare one table', () => {
    const keeper = readFileSync(path.join(streams, 'keeper-legacy-cl.json'), 'utf8');
    const { result } = check({ 'a.json': keeper, 'b.json': keeper });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(/^generate:dcr: .*b\.json: stream Custom-\S+ is also declared by a\.json$/);
  });
});
