import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HEARTBEAT_LOG_TYPE, METRICS, MONITOR_TABLES, type MetricKey } from '../shared/operations/metricNames';
import { STREAMS } from '../shared/mapping/streamSchemas';

/**
 * The alert rules and the workbook query only what the relay really writes. Their KQL is read from the Bicep source,
 * with its interpolations resolved from the same files the Bicep loads (shared/telemetry/metrics.json, the stream
 * files); every metric name, table, column and metric dimension it uses is then checked against those files, and every
 * metric in metrics.json against the code that emits it.
 */
const root = path.join(__dirname, '..');
const monitorDir = path.join(root, 'infra', 'monitor');
const telemetry = JSON.parse(readFileSync(path.join(root, 'shared', 'telemetry', 'metrics.json'), 'utf8')) as {
  metrics: Record<string, { name: string; dimensions: string[] }>;
  tables: Record<string, string>;
  heartbeatLogType: string;
};
const heartbeatStream = JSON.parse(readFileSync(path.join(root, 'shared', 'streams', 'relay-heartbeat.json'), 'utf8')) as { table: string };

/** Columns of the Application Insights workspace tables the queries use (Microsoft's AppMetrics / AppTraces reference). */
const KNOWN_COLUMNS: Record<string, string[]> = {
  AppMetrics: ['TimeGenerated', 'Name', 'Sum', 'Min', 'Max', 'ItemCount', 'Properties'],
  AppTraces: ['TimeGenerated', 'Message', 'SeverityLevel', 'Properties'],
  ...Object.fromEntries(Object.values(STREAMS).map((s) => [s.table, s.columns.map((c) => c.tableColumn)])),
};

/** What `${...}` and bare expressions in the monitor Bicep files stand for: the loaded JSON and parameter defaults. */
function resolve(expression: string, params: Record<string, string>): string {
  const e = expression.trim();
  const metric = /^m\.(\w+)\.name$/.exec(e);
  if (metric) {
    const def = telemetry.metrics[metric[1]!];
    if (!def) throw new Error(`unknown metric key ${metric[1]}`);
    return def.name;
  }
  const fixed: Record<string, string> = {
    appMetrics: telemetry.tables.metrics!,
    appTraces: telemetry.tables.traces!,
    'heartbeat.table': heartbeatStream.table,
    'telemetry.heartbeatLogType': telemetry.heartbeatLogType,
  };
  if (e in fixed) return fixed[e]!;
  if (e in params) return params[e]!;
  throw new Error(`the test cannot resolve \${${e}}: extend resolve() with what it means`);
}

function paramDefaults(source: string): Record<string, string> {
  return Object.fromEntries([...source.matchAll(/^param (\w+) \w+ = (.+)$/gm)].map((m) => [m[1]!, m[2]!.replace(/^'|'$/g, '')]));
}

/** Every `query: join([ ... ], '\n')` in a Bicep file, resolved to KQL text. */
function queriesOf(file: string): string[] {
  const source = readFileSync(path.join(monitorDir, file), 'utf8');
  const params = paramDefaults(source);
  return [...source.matchAll(/query: join\(\[\n([\s\S]*?)\n\s*\], '\\n'\)/g)].map((block) =>
    block[1]!
      .split('\n')
      .map((line) => line.trim())
      .map((line) => (line.startsWith("'") ? line.slice(1, -1).replace(/\$\{([^}]+)\}/g, (_, ex: string) => resolve(ex, params)) : resolve(line, params)))
      .join('\n'),
  );
}

const metricNames = new Set(Object.values(METRICS).map((m) => m.name));
const dimensionsByName = new Map(Object.values(METRICS).map((m) => [m.name, m.dimensions]));

function checkQuery(kql: string): void {
  // Tables: the first word of the query and of each union leg.
  const tables = [...kql.matchAll(/(?:^|\(\s*|union\s+)([A-Za-z_]+_CL|App[A-Za-z]+)\b/g)].map((m) => m[1]!);
  expect(tables.length, kql).toBeGreaterThan(0);
  for (const table of tables) expect(Object.keys(KNOWN_COLUMNS), `table ${table} in\n${kql}`).toContain(table);
  // Metric names: every relay.* string must be one the relay emits.
  const used = [...kql.matchAll(/"(relay\.[A-Za-z.]+)"/g)].map((m) => m[1]!);
  for (const name of used) expect(metricNames.has(name), `metric ${name} in\n${kql}`).toBe(true);
  if (tables.includes(MONITOR_TABLES.metrics)) expect(used.length, `an AppMetrics query must name its metric:\n${kql}`).toBeGreaterThan(0);
  // Dimensions: Properties.x must be a dimension of a metric the query reads.
  const dims = new Set(used.flatMap((name) => dimensionsByName.get(name) ?? []));
  for (const m of kql.matchAll(/Properties\.(\w+)/g)) expect(dims.has(m[1]!), `dimension ${m[1]} of ${used.join(', ')} in\n${kql}`).toBe(true);
  // Columns: aggregated or compared columns exist in the table, or were defined earlier in the query.
  const defined = new Set([...kql.matchAll(/\b(\w+)\s*=(?!=)/g)].map((m) => m[1]!));
  const columns = new Set(tables.flatMap((t) => KNOWN_COLUMNS[t] ?? []));
  for (const m of kql.matchAll(/\b(?:max|min|sum|avg|sumif|dcount)\((\w+)/g)) {
    expect(columns.has(m[1]!) || defined.has(m[1]!), `column ${m[1]} in\n${kql}`).toBe(true);
  }
  for (const m of kql.matchAll(/\bwhere (\w+)\s*(?:==|>=|<=|>|<|!=|in\b|startswith|has_any)/g)) {
    expect(columns.has(m[1]!) || defined.has(m[1]!), `column ${m[1]} in\n${kql}`).toBe(true);
  }
}

describe('alert rules and workbook query what the relay writes', () => {
  const files = ['alerts.bicep', 'workbook.bicep'];

  it.each(files)('%s loads the metric names and the heartbeat table from the shared files, never spells a metric', (file) => {
    const source = readFileSync(path.join(monitorDir, file), 'utf8');
    expect(source).toContain("loadJsonContent('../../shared/telemetry/metrics.json')");
    expect(source).toContain("loadJsonContent('../../shared/streams/relay-heartbeat.json')");
    expect(source).not.toMatch(/relay\.[a-z]+\.[A-Za-z]+/);
  });

  it.each(files)('every metric, dimension, table and column %s queries exists', (file) => {
    const queries = queriesOf(file);
    expect(queries.length).toBeGreaterThanOrEqual(6);
    queries.forEach(checkQuery);
  });

  it('the alert rules cover poison, backlog age, delivery errors, configuration errors, a quiet Log-Type and a missing heartbeat', () => {
    const source = readFileSync(path.join(monitorDir, 'alerts.bicep'), 'utf8');
    const keys = [...source.matchAll(/key: '([a-z-]+)'/g)].map((m) => m[1]);
    expect(keys).toEqual(['poison', 'backlog-age', 'delivery-errors', 'configuration-errors', 'quiet-log-type', 'heartbeat-missing']);
    const [, , , , quiet, missing] = queriesOf('alerts.bicep');
    expect(quiet).toContain(`LogType != "${HEARTBEAT_LOG_TYPE}"`);
    expect(missing!.startsWith(STREAMS.relayHeartbeat.table)).toBe(true);
  });

  it('every metric in metrics.json is emitted by the code, through the counters', () => {
    const code = ['shared', 'functions']
      .flatMap((dir) => readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(path.join(root, dir, f), 'utf8')))
      .join('\n');
    for (const key of Object.keys(METRICS) as MetricKey[]) expect(code, `no count('${key}', …) in shared/ or functions/`).toMatch(new RegExp(`count\\('${key}'`));
  });

  it('the README and docs/operations.md document every metric by name', () => {
    for (const doc of ['README.md', path.join('docs', 'operations.md')]) {
      const text = readFileSync(path.join(root, doc), 'utf8');
      for (const m of Object.values(METRICS)) expect(text, `${doc} lacks ${m.name}`).toContain(`\`${m.name}\``);
    }
  });

  it('main.bicep wires the monitoring module with one call', () => {
    const main = readFileSync(path.join(root, 'infra', 'main.bicep'), 'utf8');
    expect(main.match(/module \w+ 'monitor\/monitoring\.bicep'/g)).toHaveLength(1);
  });
});

// The monitor templates compile as modules of infra/main.bicep in test/infra/compile.test.ts (zero warnings).
