import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStreamSchema } from '../shared/mapping/streamSchemas';
import { findDrift } from '../tools/table/drift';
import { importTableSchema } from '../tools/table/importSchema';
import { inferColumns } from '../tools/table/inferSchema';
import { readSamples } from '../tools/table/samples';

const SAMPLES = path.join(__dirname, 'samples');
const cli = path.join(__dirname, '..', 'dist', 'tools', 'table', 'main.js');
const run = (...args: string[]) => execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
/** A run expected to fail: its exit status and what it printed on stderr. */
const runFailing = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
const tmp = () => mkdtempSync(path.join(tmpdir(), 'relay-table-'));

describe('npm run table -- import', () => {
  it('writes a declaration from `az monitor log-analytics workspace table show` output and prints the migration steps', () => {
    const out = path.join(tmp(), 'myapp.json');
    const printed = run('import', path.join(SAMPLES, 'myapp-classic-table.json'), '--out', out);
    const declaration = loadStreamSchema(JSON.parse(readFileSync(out, 'utf8')));
    expect(declaration).toMatchObject({ stream: 'Custom-MyApp_CL', table: 'MyApp_CL', logTypes: ['MyApp'], tableSource: 'classic', dynamicColumn: 'relay_extra_s' });
    expect(declaration.columns.map((c) => c.name)).toEqual([
      'TimeGenerated', 'Computer', 'level_s', 'message_s', 'count_d', 'ok_b', 'when_t', 'request_id_g', 'latency_d', 'user_s', 'tags_s', 'host_s', 'count_s', 'big_d',
      'relay_event_id_g', 'relay_extra_s',
    ]);
    expect(declaration.columns.find((c) => c.name === 'request_id_g')).toEqual({ name: 'request_id_g', type: 'string', tableColumn: 'request_id_g', tableType: 'guid' });
    expect(declaration.columns.find((c) => c.name === 'when_t')!.type).toBe('datetime');
    expect(printed).toMatch(/Wrote .*myapp\.json: MyApp_CL \(stream Custom-MyApp_CL\) for Log-Type MyApp, 16 columns/);
    expect(printed).toMatch(/az monitor log-analytics workspace table migrate -g <rg> --workspace-name <workspace> -n MyApp_CL/);
    expect(printed).toMatch(/table update -g <rg> --workspace-name <workspace> -n MyApp_CL --columns level_s=string .* request_id_g=guid .* relay_extra_s=string/);
    expect(printed).toMatch(/Not declared: TenantId/);
  });

  it('reads the Tables REST API shape and getschema rows too, and refuses anything else with a clear message', () => {
    const az = JSON.parse(readFileSync(path.join(SAMPLES, 'myapp-classic-table.json'), 'utf8'));
    expect(importTableSchema({ name: az.name, properties: { schema: az.schema } }).columns).toHaveLength(14);
    const rows = [{ ColumnName: 'TimeGenerated', ColumnType: 'datetime' }, { ColumnName: 'id_g', ColumnType: 'guid' }, { ColumnName: 'ok_b', ColumnType: 'bool' }, { ColumnName: 'TenantId', ColumnType: 'string' }];
    expect(importTableSchema(rows, 'Other_CL')).toMatchObject({ table: 'Other_CL', columns: [{ name: 'TimeGenerated' }, { name: 'id_g', tableType: 'guid' }, { name: 'ok_b', type: 'boolean' }] });
    expect(() => importTableSchema({ hello: 1 })).toThrow(/not a table schema/);
  });
});

describe('npm run table -- infer', () => {
  it('infers the columns the retired API created, reporting names that cannot become columns', () => {
    const inference = inferColumns(readSamples(path.join(SAMPLES, 'myapp-records.ndjson')));
    expect(inference.columns.map((c) => c.name)).toContain('timestamp_t');
    expect(inference.columns.filter((c) => c.property === 'count').map((c) => c.name)).toEqual(['count_d', 'count_s']);
    expect([...inference.unnameable.keys()]).toEqual(['', '9lives']);
    const out = path.join(tmp(), 'inferred.json');
    const printed = run('infer', path.join(SAMPLES, 'myapp-records.ndjson'), '--log-type', 'MyApp', '--out', out);
    expect(printed).toMatch(/NO COLUMN: "" \(1 records\) no letter, digit or underscore/);
    expect(printed).toMatch(/@timestamp → timestamp_t/);
    expect(loadStreamSchema(JSON.parse(readFileSync(out, 'utf8'))).tableSource).toBe('relay');
  });

  it('reports the 500-column limit instead of applying it silently', () => {
    const dir = tmp();
    const samples = path.join(dir, 'wide.json');
    writeFileSync(samples, JSON.stringify([Object.fromEntries(Array.from({ length: 520 }, (_, i) => [`c${i}`, i]))]));
    const printed = run('infer', samples, '--log-type', 'Wide', '--out', path.join(dir, 'wide-decl.json'));
    expect(printed).toMatch(/LIMIT: 520 columns, a table holds 500 .* declared the first 497 seen; these land in relay_extra_s: c497_d, c498_d/);
  });
});

describe('npm run table -- drift', () => {
  it('lists properties kept in relay_extra_s with their types and prints the patch and the az line; --write adopts them', () => {
    const dir = tmp();
    const declarationFile = path.join(dir, 'myapp.json');
    run('import', path.join(SAMPLES, 'myapp-classic-table.json'), '--out', declarationFile);
    // Rows as `az monitor log-analytics query ... | project relay_extra_s` prints them.
    const rows = [
      { relay_extra_s: JSON.stringify({ region: 'westeurope', ok: 'yes', relay_resource_id: '/x' }) },
      { relay_extra_s: JSON.stringify({ region: 'northeurope', retries: 2 }) },
      { relay_extra_s: JSON.stringify({ relay_part: 2, relay_parts: 2, relay_path: ['blob'], relay_offset: 10, relay_value: 'xx' }) },
    ];
    const drift = findDrift(loadStreamSchema(JSON.parse(readFileSync(declarationFile, 'utf8'))), rows);
    expect(drift.missing.map((c) => [c.name, c.count])).toEqual([['region_s', 2], ['ok_s', 1], ['retries_d', 1]]);
    expect(drift.conflicts.get('ok_s')).toEqual(['ok_b']);
    const rowsFile = path.join(dir, 'rows.json');
    writeFileSync(rowsFile, JSON.stringify(rows));
    const printed = run('drift', declarationFile, rowsFile, '--write');
    expect(printed).toMatch(/ok\s+→ ok_s\s+string\s+1 records\s+\(type conflict: declared ok_b\)/);
    expect(printed).toMatch(/\{ "name": "region_s", "type": "string", "tableColumn": "region_s" \}/);
    expect(printed).toMatch(/--columns .*region_s=string ok_s=string retries_d=real relay_event_id_g=guid relay_extra_s=string/);
    const adopted = loadStreamSchema(JSON.parse(readFileSync(declarationFile, 'utf8')));
    expect(adopted.columns.slice(-5).map((c) => c.name)).toEqual(['region_s', 'ok_s', 'retries_d', 'relay_event_id_g', 'relay_extra_s']);
  });
});

describe('npm run table: names the door refuses, bad flags, tables declared twice', () => {
  // Property names the door refuses records for (shared/ingest/recordRules.ts): no column may be proposed for them.
  const refusedRecord = { tenant: 1, TimeGenerated: 'yesterday', constructor: 'x', level: 'info' };

  it('import reports each column once and keeps a column from a refused property declared (so the migration drops nothing), saying no new row fills it', () => {
    const schema = JSON.parse(readFileSync(path.join(SAMPLES, 'myapp-classic-table.json'), 'utf8'));
    schema.schema.columns.push({ name: '__proto___s', type: 'string' }, { name: 'TenantId', type: 'guid' });
    const imported = importTableSchema(schema);
    expect(imported.skipped.filter((s) => s.startsWith('TenantId '))).toHaveLength(1);
    expect(imported.skipped).toContain('__proto___s kept as declared, but no new row fills it: the door refuses the property "__proto__" (property "__proto__" is not allowed (__proto__))');
    expect(imported.columns.map((c) => c.name)).toContain('__proto___s');
    expect(imported.skipped.find((s) => s.startsWith('__proto___s'))).not.toContain('filled by the service');
    expect(imported.skipped).toContain('_ResourceId (standard column, filled by the service)');
  });

  it('infer and drift propose no column for tenant, TimeGenerated or constructor, and say why', () => {
    const dir = tmp();
    const samples = path.join(dir, 'refused.ndjson');
    writeFileSync(samples, `${JSON.stringify(refusedRecord)}\n`);
    const out = path.join(dir, 'refused-decl.json');
    const printed = run('infer', samples, '--log-type', 'Refused', '--out', out);
    expect(printed).toMatch(/REFUSED: "tenant" \(1 records\): the door refuses records with it \(property "tenant" uses the reserved name tenant\)/);
    expect(printed).toMatch(/REFUSED: "constructor" \(1 records\)/);
    expect(loadStreamSchema(JSON.parse(readFileSync(out, 'utf8'))).columns.map((c) => c.name)).toEqual(['TimeGenerated', 'level_s', 'relay_event_id_g', 'relay_extra_s']);
    const drift = findDrift(loadStreamSchema(JSON.parse(readFileSync(path.join(SAMPLES, '..', '..', 'shared', 'streams', 'relayed-logs.json'), 'utf8'))), [{ ...refusedRecord, level: undefined }]);
    expect(drift.missing.map((c) => c.name)).toEqual([]);
    expect([...drift.refused.keys()]).toEqual(['tenant', 'TimeGenerated', 'constructor']);
    const printedDrift = run('drift', out, samples);
    expect(printedDrift).toMatch(/0 columns missing/);
    expect(printedDrift).not.toMatch(/TimeGenerated_s|constructor_s|tenant_d/);
  });

  it('names the flag in one line for a Log-Type or table the declaration cannot hold', () => {
    const result = runFailing('infer', path.join(SAMPLES, 'myapp-records.ndjson'), '--log-type', '../x', '--out', path.join(tmp(), 'x.json'));
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('table: --log-type "../x" is not a Log-Type: letters, digits and underscore only, at most 100 characters (as the Log-Type header)');
    const table = runFailing('import', path.join(SAMPLES, 'myapp-classic-table.json'), '--table', 'My App', '--out', path.join(tmp(), 'x.json'));
    expect(table.stderr.trim().split('\n')).toHaveLength(1);
    expect(table.stderr).toMatch(/--table "My App" is not a custom table name/);
  });

  it('refuses to declare a table another stream file declares, naming it; --force writes anyway', () => {
    const out = path.join(tmp(), 'keeper.json');
    const result = runFailing('import', path.join(SAMPLES, 'myapp-classic-table.json'), '--table', 'Keeper_CL', '--out', out);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^table: table Keeper_CL is already declared by shared\/streams\/keeper-legacy-cl\.json; .*--out shared\/streams\/keeper-legacy-cl\.json .*--force/);
    expect(existsSync(out)).toBe(false);
    run('import', path.join(SAMPLES, 'myapp-classic-table.json'), '--table', 'Keeper_CL', '--out', out, '--force');
    expect(loadStreamSchema(JSON.parse(readFileSync(out, 'utf8'))).table).toBe('Keeper_CL');
  });
});
