import { parseArgs } from 'node:util';
import { checkHealth, type HealthReport } from '../shared/operations/health';
import { cliStorage, STORAGE_OPTIONS } from './cliStorage';
import { runCli, UsageError } from './cliMain';

const HELP = `npm run status -- [options]

The relay's health from a terminal: storage, backlog (queue depth, age of the oldest waiting request), poison count,
last successful upload per destination, rows delivered per Log-Type and destination in the last hour, and
configuration problems with their fix. A table, or JSON with --json.

Where (default: the storage in RELAY_STORAGE / RELAY_STORAGE__queueServiceUri, else local.settings.json):
  --storage <s>        storage account name, https:// account URL (Entra ID: your az/azd sign-in), or connection string
  --queue <name>       relay queue (default RELAY_QUEUE_NAME or relay-ingest)
  --container <name>   claim-check container (default RELAY_BLOB_CONTAINER or relay-payloads)
  --url <relay URL>    ask a running relay's GET /api/health instead (function key: --key or RELAY_FUNCTION_KEY)
  --key <key>          the function key for --url

  --watch <seconds>    print again every <seconds> until Ctrl+C
  --json               print the report as JSON
  -h, --help           this text

Against a deployed relay:  set -a; eval "$(azd env get-values)"; set +a; npm run status`;

const OPTIONS = {
  ...STORAGE_OPTIONS,
  url: { type: 'string' },
  key: { type: 'string' },
  watch: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;


const n = (v: number | undefined) => (v === undefined ? '?' : v.toLocaleString('en-US'));

function ago(iso: string | undefined, now: Date): string {
  if (!iso) return 'never (since the instances started)';
  const s = Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 1000));
  return `${iso.replace(/\.\d+Z$/, 'Z')} (${s < 120 ? `${s} s` : `${Math.round(s / 60)} min`} ago)`;
}

/** Left-aligned columns, two spaces apart. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** The report as the terminal table `npm run status` prints. */
export function formatReport(report: HealthReport, where: string): string {
  const now = new Date(report.checkedAt);
  const lines = [
    `Relay status at ${report.checkedAt.replace(/\.\d+Z$/, 'Z')} (${where})`,
    ...table([
      ['Overall', `${report.status.toUpperCase()} (HTTP ${report.httpStatus})`],
      ['Storage', report.storage.reachable ? 'reachable' : `UNREACHABLE (${report.storage.error})`],
      ['Queue', `${report.queue.name}: ${n(report.queue.depth)} waiting${report.queue.oldestMessageAgeSeconds !== undefined ? `, oldest received ${n(Math.round(report.queue.oldestMessageAgeSeconds))} s ago` : ''}`],
      ['Poison', `${report.poison.name}: ${n(report.poison.depth)}`],
      ['Parked', report.parked ? `${report.parked.count}${report.parked.atLeast ? '+' : ''} waiting for the queue` : 'unknown'],
      ['Delivery lag', report.maxLagSecondsLastHour === undefined ? '-' : `max ${report.maxLagSecondsLastHour.toFixed(1)} s receive-to-upload in the last hour`],
    ]),
    '',
    // Read from storage, the figures are what workers last reported (each writes at most every 30 s); --url asks a
    // live instance instead.
    'Destinations (as workers last reported them; each reports at most every 30 s)',
    ...table([
      ['  stream', 'last successful upload', 'problem'],
      ...(report.destinations.length ? report.destinations : [{ stream: '(none reported yet)' }]).map((d) => [
        `  ${d.stream}`,
        'lastSuccessAt' in d ? ago(d.lastSuccessAt, now) : '-',
        'configurationError' in d && d.configurationError ? `Logs Ingestion ${d.configurationError.status}` : '-',
      ]),
    ]),
    '',
    `Rows delivered in the last hour (${report.instances} instance(s) reporting)`,
    ...table([['  Log-Type', 'destination', 'rows'], ...(report.rowsLastHour.length ? report.rowsLastHour : [{ logType: '(none reported yet)', stream: '', rows: 0 }]).map((r) => [`  ${r.logType}`, r.stream, n(r.rows)])]),
  ];
  if (report.problems.length) {
    lines.push('', 'Problems');
    for (const p of report.problems) lines.push(`  - ${p.cause}`, `    fix: ${p.fix}`);
  }
  return lines.join('\n');
}

async function fromRelay(url: string, key: string | undefined): Promise<HealthReport> {
  const response = await fetch(new URL('/api/health', url), { headers: key ? { 'x-functions-key': key } : {} });
  if (response.status === 401) throw new Error(`${url} answered 401: pass the function key (--key or RELAY_FUNCTION_KEY; az functionapp keys list)`);
  if (response.status !== 200 && response.status !== 503) throw new Error(`${url}/api/health answered ${response.status}`);
  return (await response.json()) as HealthReport;
}

export async function main(argv = process.argv.slice(2)): Promise<number> {
  let args;
  try {
    ({ values: args } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (args.help) {
    console.log(HELP);
    return 0;
  }
  const watch = args.watch === undefined ? undefined : Number(args.watch);
  if (watch !== undefined && !(watch > 0)) throw new UsageError('--watch needs a number of seconds above 0');
  const key = args.key ?? process.env.RELAY_FUNCTION_KEY;
  const source = args.url ? undefined : cliStorage({ storage: args.storage, queue: args.queue, container: args.container });
  const where = args.url ? args.url : source!.describe;
  for (;;) {
    const report = args.url ? await fromRelay(args.url, key) : await checkHealth(source!.clients);
    console.log(args.json ? JSON.stringify(report, null, 2) : formatReport(report, where));
    if (watch === undefined) return report.status === 'healthy' ? 0 : 3;
    await new Promise((r) => setTimeout(r, watch * 1000));
    if (!args.json) console.log('');
  }
}

if (require.main === module) runCli('status', main);
