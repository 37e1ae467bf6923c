import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultStreamsDir, loadStreamDeclarations } from '../shared/mapping/streamSchemas';

/** A copy of the shipped declarations, so a test can add a file without touching shared/streams. */
function copyOfShipped(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'streams-'));
  for (const name of readdirSync(defaultStreamsDir()).filter((n) => n.endsWith('.json'))) copyFileSync(path.join(defaultStreamsDir(), name), path.join(dir, name));
  return dir;
}

describe('stream declarations', () => {
  it('loads every shipped declaration', () => {
    expect(loadStreamDeclarations(copyOfShipped()).map((s) => s.table)).toContain('Keeper_CL');
  });

  it('refuses two files for one table (every record would land twice), naming both files', () => {
    const dir = copyOfShipped();
    const keeperCl = JSON.parse(readFileSync(path.join(dir, 'keeper-legacy-cl.json'), 'utf8'));
    writeFileSync(path.join(dir, 'keeper.json'), JSON.stringify({ ...keeperCl, description: 'inferred again' }));
    expect(() => loadStreamDeclarations(dir)).toThrow(/keeper\.json declares stream Custom-Keeper_CL, which keeper-legacy-cl\.json declares already/);
  });
});
