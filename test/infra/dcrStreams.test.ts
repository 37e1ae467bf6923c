import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDcrStreams, serializeDcrStreams, type DcrStreamsFile } from '../../tools/dcr/dcrStreams';
import { infraDir, one, ofType, repoRoot, skipWithoutBicep, snapshot } from './bicepCli';
import { dataflowMismatches } from './transformTypes';

const streamsDir = join(repoRoot, 'shared', 'streams');
const generatedPath = join(infraDir, 'monitor', 'dcr-streams.generated.json');
const generated = JSON.parse(readFileSync(generatedPath, 'utf8')) as DcrStreamsFile;

describe('DCR streams generated from shared/streams', () => {
  it('the committed dcr-streams.generated.json is what `npm run generate:dcr` writes (not stale)', () => {
    expect(readFileSync(generatedPath, 'utf8'), 'stale: run `npm run generate:dcr` and commit the file').toBe(
      serializeDcrStreams(buildDcrStreams(streamsDir)),
    );
  });

  it('casts each column whose table type differs from its stream type, and only those', () => {
    const keeperCl = generated.streams.find((s) => s.table === 'Keeper_CL')!;
    expect(keeperCl.dataFlow.transformKql).toBe('source | extend relay_event_id_g = toguid(relay_event_id_g)');
    expect(keeperCl.tableColumns.find((c) => c.name === 'relay_event_id_g')?.type).toBe('guid');
    expect(generated.streams.find((s) => s.table === 'RelayedLogs_CL')!.dataFlow.transformKql).toBe('source');
  });
});

/** Table columns for a dataflow's destination: the created table in the snapshot, else the classic table's declaration. */
function tableColumnsFrom(resources: ReturnType<typeof snapshot>['resources']) {
  return (table: string) => {
    const created = ofType(resources, 'Microsoft.OperationalInsights/workspaces/tables').find((t) => t.name.endsWith(`/${table}`));
    if (created) return created.properties!.schema.columns as Array<{ name: string; type: string }>;
    const declared = generated.streams.find((s) => s.table === table && s.tableSource === 'classic');
    if (!declared) throw new Error(`no table ${table} created or declared as a migrated classic table`);
    return declared.tableColumns;
  };
}

describe.skipIf(skipWithoutBicep())('compiled DCR: every dataflow writes its table\'s types', { timeout: 240_000 }, () => {
  let all: ReturnType<typeof snapshot>;
  let dcr: ReturnType<typeof one>;
  beforeAll(() => {
    all = snapshot({ keeperClEnabled: true });
    dcr = one(all.resources, 'Microsoft.Insights/dataCollectionRules');
  }, 240_000);

  it('routes every stream file, each to its own table', () => {
    expect(Object.keys(dcr.properties!.streamDeclarations).sort()).toEqual(generated.streams.map((s) => s.stream).sort());
    expect(dcr.properties!.dataFlows.map((f: { outputStream: string }) => f.outputStream).sort()).toEqual(generated.streams.map((s) => `Custom-${s.table}`).sort());
  });

  it('each output column type equals the destination table column type', () => {
    expect(dataflowMismatches(dcr.properties as never, tableColumnsFrom(all.resources))).toEqual([]);
  });

  it('the check fails on a guid column without its cast (what Azure refuses with InvalidTransformOutput)', () => {
    const broken = structuredClone(dcr.properties!) as { dataFlows: Array<{ outputStream: string; transformKql: string }> };
    const flow = broken.dataFlows.find((f) => f.outputStream === 'Custom-Keeper_CL')!;
    flow.transformKql = 'source';
    expect(dataflowMismatches(broken as never, tableColumnsFrom(all.resources))).toEqual([
      { outputStream: 'Custom-Keeper_CL', column: 'relay_event_id_g', produced: 'string', table: 'guid' },
    ]);
  });

  it('creates the relay\'s tables (with the columns the dataflows write) but never the classic Keeper_CL', () => {
    const tables = ofType(all.resources, 'Microsoft.OperationalInsights/workspaces/tables').map((t) => t.name.split('/')[1]);
    expect(tables.sort()).toEqual(generated.streams.filter((s) => s.tableSource !== 'classic').map((s) => s.table).sort());
    expect(tables).not.toContain('Keeper_CL');
  });

  it('routes Keeper_CL only when keeperClEnabled, and the Sentinel Keeper stream only without the solution\'s DCR', () => {
    const plain = snapshot({});
    const plainDcr = one(plain.resources, 'Microsoft.Insights/dataCollectionRules');
    const always = generated.streams.filter((s) => s.tableSource === 'relay' && !s.enabledBy).map((s) => s.stream);
    expect(always).toContain('Custom-RelayedLogs');
    expect(Object.keys(plainDcr.properties!.streamDeclarations).sort()).toEqual([...always, 'Custom-KeeperSecurityEventNewLogs'].sort());
    const withSolution = snapshot({
      existingKeeperDcrResourceId: '/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/sentinel/providers/Microsoft.Insights/dataCollectionRules/keeper-dcr',
      existingKeeperIngestionEndpoint: 'https://keeper-dce.eastus-1.ingest.monitor.azure.com',
    });
    const solutionDcr = one(withSolution.resources, 'Microsoft.Insights/dataCollectionRules');
    expect(Object.keys(solutionDcr.properties!.streamDeclarations).sort()).toEqual(always.sort());
    const tables = ofType(withSolution.resources, 'Microsoft.OperationalInsights/workspaces/tables').map((t) => t.name.split('/')[1]);
    expect(tables.sort()).toEqual(generated.streams.filter((s) => s.tableSource === 'relay' && !s.enabledBy).map((s) => s.table).sort());
  });
});
