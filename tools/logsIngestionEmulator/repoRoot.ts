import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The repository root: the nearest folder above this file holding package.json. Walking up (rather than a fixed
 * "../..") works both from tools/logsIngestionEmulator (vitest runs the .ts) and dist/tools/logsIngestionEmulator
 * (compiled), because dist/ has no package.json of its own.
 */
export function repoRoot(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${start}: cannot locate the repository root`);
    dir = parent;
  }
}

/** Where the emulator keeps its generated certificate unless told otherwise (.local/ is git-ignored). */
export function defaultCertDir(): string {
  return path.join(repoRoot(), '.local', 'emulator', 'certs');
}

/** Where `npm start` keeps accepted rows unless told otherwise. */
export function defaultDataDir(): string {
  return path.join(repoRoot(), '.local', 'emulator', 'data');
}

/** The stream schema files the relay's DCRs are generated from. */
export function defaultStreamsDir(): string {
  return path.join(repoRoot(), 'shared', 'streams');
}
