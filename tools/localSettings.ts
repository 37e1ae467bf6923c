import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';


/** local.settings.json's Values, created from the sample on first run, as `func start` would read them. */
export function localSettingsValues(root = projectRoot()): Record<string, string> {
  const file = path.join(root, 'local.settings.json');
  if (!existsSync(file)) {
    copyFileSync(path.join(root, 'local.settings.sample.json'), file);
    console.log('Created local.settings.json from local.settings.sample.json');
  }
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { Values?: Record<string, string> };
  return parsed.Values ?? {};
}

/** The repository root, from source (tools/) or from the build (dist/tools/). */
export function projectRoot(): string {
  const up = path.join(__dirname, '..');
  return path.basename(up) === 'dist' ? path.join(up, '..') : up;
}
