import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BicepFile, type Node, bodyObject, infraDir, listBicepFiles, loadedJsonFiles, objectProperty, parseBicepFile, repoRoot, resources } from './bicep';

interface StreamFile {
  stream: string;
  table: string;
  columns: Array<{ name: string; type: string; tableColumn: string; tableType?: string }>;
  transformKql: string;
}

const streamsDir = join(repoRoot, 'shared', 'streams');
const streamFiles = readdirSync(streamsDir).filter((f) => f.endsWith('.json')).sort();
const stream = (file: string): StreamFile => JSON.parse(readFileSync(join(streamsDir, file), 'utf8')) as StreamFile;

const DCR_STREAM_TYPES = new Set(['string', 'int', 'long', 'real', 'boolean', 'datetime', 'dynamic']);
const TABLE_COLUMN_TYPES = new Set(['string', 'int', 'long', 'real', 'boolean', 'dateTime', 'guid', 'dynamic']);

/** The rule workspace-tables.bicep applies (checked against its source below). */
const tableType = (c: StreamFile['columns'][number]): string => c.tableType ?? (c.type === 'datetime' ? 'dateTime' : c.type);

// Microsoft Sentinel "Keeper Security" solution 3.0.x, KeeperSecurityEventNewLogs_CL (see reference keeper-events.md).
const SENTINEL_KEEPER_TABLE = [
  ['TimeGenerated', 'dateTime'],
  ['AuditEvent', 'string'],
  ['RemoteAddress', 'string'],
  ['Category', 'string'],
  ['ClientVersion', 'string'],
  ['EnterpriseId', 'int'],
  ['Username', 'string'],
  ['Timestamp', 'dateTime'],
  ['Data', 'dynamic'],
];

describe('DCR and tables come from the stream files', () => {
  let dcr: BicepFile;
  let tables: BicepFile;

  beforeAll(async () => {
    dcr = await parseBicepFile(join(infraDir, 'monitor', 'data-collection-rule.bicep'));
    tables = await parseBicepFile(join(infraDir, 'monitor', 'workspace-tables.bicep'));
  });

  it('there are stream files to load', () => {
    expect(streamFiles).toEqual(expect.arrayContaining(['keeper-legacy-cl.json', 'keeper-security-events.json', 'relayed-logs.json']));
  });

  it('the DCR loads every stream file with loadJsonContent', () => {
    const loaded = loadedJsonFiles(dcr).map((p) => p.replace(/\\/g, '/'));
    for (const f of loaded) expect(f.startsWith(streamsDir.replace(/\\/g, '/')), f).toBe(true);
    expect(loaded.map((p) => basename(p)).sort()).toEqual(streamFiles);
  });

  it('the tables module loads every stream file except Keeper_CL, which is the customer\'s migrated table', () => {
    const loaded = loadedJsonFiles(tables).map((p) => basename(p)).sort();
    expect(loaded).toEqual(streamFiles.filter((f) => f !== 'keeper-legacy-cl.json'));
  });

  it('stream declarations, dataflows and table schemas are built from the loaded files, not written out', () => {
    const props = objectProperty(bodyObject(resources(dcr).find((r) => r.type.startsWith('Microsoft.Insights/dataCollectionRules@'))!.node), 'properties');
    const decl = objectProperty(props, 'streamDeclarations')?.text ?? '';
    expect(decl).toMatch(/^toObject\(streams, s => s\.stream,/);
    expect(decl).toMatch(/name: c\.name\s+type: c\.type/);
    const flows = objectProperty(props, 'dataFlows')?.text ?? '';
    expect(flows).toMatch(/^map\(streams,/);
    expect(flows).toMatch(/transformKql: s\.transformKql/);
    expect(flows).toMatch(/outputStream: 'Custom-\$\{s\.table\}'/);
    expect(tables.source).toMatch(/name: c\.tableColumn/);
    expect(tables.source).toContain("type: c.?tableType ?? (c.type == 'datetime' ? 'dateTime' : c.type)");
    expect(tables.source).toMatch(/name: s\.table/);
  });

  it('no Bicep file spells a stream or table name from the stream files', async () => {
    const names = streamFiles.flatMap((f) => [stream(f).stream, stream(f).table]);
    for (const path of listBicepFiles()) {
      const file = await parseBicepFile(path);
      // Strings in expressions; @description() texts are prose and may name a table.
      const inDecorator = (n: Node | null): boolean => (n ? n.type === 'decorator' || inDecorator(n.parent) : false);
      const literals = file.root
        .descendantsOfType('string_content')
        .filter((n) => !inDecorator(n))
        .map((n) => n.text);
      for (const name of names) {
        expect(literals.filter((l) => l.includes(name)), `${file.name} hard-codes ${name}`).toEqual([]);
      }
    }
  });

  it('Keeper_CL is routed only when enabled, the Keeper stream only when no existing Sentinel DCR takes it', () => {
    expect(dcr.source).toMatch(/includeKeeperLegacyStream \? \[keeperLegacyStream\] : \[\]/);
    expect(dcr.source).toMatch(/includeKeeperStream \? \[keeperStream\] : \[\]/);
    expect(dcr.source).toMatch(/param includeKeeperLegacyStream bool = false/);
  });

  describe.each(streamFiles)('%s', (f) => {
    const s = stream(f);

    it('declares TimeGenerated and its transform keeps the TimeGenerated the relay sends', () => {
      expect(s.columns.find((c) => c.name === 'TimeGenerated')).toMatchObject({ type: 'datetime', tableColumn: 'TimeGenerated' });
      expect(s.transformKql).not.toMatch(/TimeGenerated\s*=/);
      expect(s.transformKql.startsWith('source')).toBe(true);
    });

    it('uses DCR stream types, and table types after mapping', () => {
      for (const c of s.columns) {
        expect(DCR_STREAM_TYPES.has(c.type), `${c.name}: ${c.type}`).toBe(true);
        expect(TABLE_COLUMN_TYPES.has(tableType(c)), `${c.tableColumn}: ${tableType(c)}`).toBe(true);
      }
    });

    it('follows the naming the Logs Ingestion API requires', () => {
      expect(s.stream).toMatch(/^Custom-/);
      expect(s.table).toMatch(/_CL$/);
      expect(s.columns.length).toBeLessThanOrEqual(500);
      for (const c of s.columns) expect(c.tableColumn).toMatch(/^[A-Za-z][A-Za-z0-9_]{0,44}$/);
    });
  });

  it('KeeperSecurityEventNewLogs_CL gets exactly the Sentinel solution\'s schema', () => {
    const s = stream('keeper-security-events.json');
    expect(s.table).toBe('KeeperSecurityEventNewLogs_CL');
    expect(s.stream).toBe('Custom-KeeperSecurityEventNewLogs');
    expect(s.columns.map((c) => [c.tableColumn, tableType(c)])).toEqual(SENTINEL_KEEPER_TABLE);
  });
});
