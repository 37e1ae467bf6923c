import type { StreamDeclaration } from '../../shared/mapping/streamSchemas';
import { columnTableType } from '../dcr/typeCasts';

/** The custom columns of a declaration as `az monitor log-analytics workspace table update --columns` takes them. */
export function azColumns(declaration: Pick<StreamDeclaration, 'columns'>): string {
  return declaration.columns
    // Standard columns of a classic table (TimeGenerated, Computer) are not custom columns: never listed.
    .filter((c) => c.tableColumn !== 'TimeGenerated' && c.tableColumn !== 'Computer')
    .map((c) => `${c.tableColumn}=${columnTableType(c).toLowerCase()}`)
    .join(' ');
}

/**
 * What to run after writing a declaration: for an existing classic table, migrate it in place and add the relay's
 * columns; for a new one, provision. Then check with KQL that old and new rows answer the same query.
 * Sources: Tables - Migrate (https://learn.microsoft.com/rest/api/loganalytics/tables/migrate, the CLI's
 * `az monitor log-analytics workspace table migrate`) and https://learn.microsoft.com/azure/azure-monitor/logs/custom-logs-migrate.
 */
export function migrationSteps(declaration: StreamDeclaration, file: string): string {
  const t = declaration.table;
  const probe = declaration.columns.find((c) => c.tableColumn.endsWith('_s') && !c.tableColumn.startsWith('relay_'))?.tableColumn;
  const steps: string[] = [];
  const created = declaration.tableSource !== 'classic';
  if (!created) {
    steps.push(
      `1. Migrate the classic table in place (one-way; keeps its rows and column names):`,
      `   az monitor log-analytics workspace table migrate -g <rg> --workspace-name <workspace> -n ${t}`,
      `   az monitor log-analytics workspace table show -g <rg> --workspace-name <workspace> -n ${t} --query schema.tableSubType -o tsv   # DataCollectionRuleBased`,
      `2. Give the migrated table every declared column (the list replaces the custom columns, so it repeats the existing ones):`,
      `   az monitor log-analytics workspace table update -g <rg> --workspace-name <workspace> -n ${t} --columns ${azColumns(declaration)}`,
    );
  } else {
    steps.push(`1. ${t} is new: the relay's template creates it with these columns.`);
  }
  steps.push(
    `${created ? 2 : 3}. Run npm run generate:dcr, commit ${file} and infra/monitor/dcr-streams.generated.json, then: azd provision   (adds the stream ${declaration.stream} and its dataflow to the relay's DCR)`,
    `${created ? 3 : 4}. Check (Logs, after the 10-15 minutes first rows take): old and new rows answer the same query`,
    `   ${t} | where TimeGenerated > ago(1d) | summarize rows = count()${probe ? `, filled = countif(isnotempty(${probe}))` : ''} by fromRelay = isnotempty(relay_event_id_g)`,
    `   ${t} | where TimeGenerated > ago(1d) and isnotempty(relay_extra_s) | take 10   // properties without a column: npm run table -- drift`,
  );
  return steps.join('\n');
}
