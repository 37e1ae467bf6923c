import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startAzurite } from './azurite';
import { loadStreamDeclarations, STREAMS } from '../shared/mapping/streamSchemas';
import { checkHealth } from '../shared/operations/health';
import { relayCounters, type CounterEvent } from '../shared/operations/relayCounters';
import { relayRuntime } from '../shared/settings/relayRuntime';
import { startSummaryLog, type BacklogFigures } from '../shared/operations/summaryLine';
import { loadOrCreateCertificate, startLogsIngestionEmulator } from './logsIngestionEmulator';
import { localSettingsValues, projectRoot } from './localSettings';
import { startLocalRunner } from './localRunner';
import { keyLine, settingsProblems } from './startChecks';

/**
 * `npm start`: Azurite on loopback plus the relay on http://127.0.0.1:7071, on the settings in local.settings.json.
 * Uses `func start` when Azure Functions Core Tools is installed, else the project's local runner, which prints a
 * summary line every few seconds while traffic flows (`--verbose`: a line per request and delivery) and, with
 * `--https`, serves the same routes over HTTPS for TLS-only senders.
 */

const HELP = `npm start -- [options]
  --verbose            a line per accepted request and per delivery, besides the summary every ${5} s
  --https              also listen on https://localhost:7444 (certificate from a generated local CA, also valid
                       for <workspaceId>.localhost), for senders that only speak TLS
  --https-port <port>  another port for --https
  -h, --help           this text`;

const AZURITE = { blobPort: 10000, queuePort: 10001, tablePort: 10002 };
const SUMMARY_EVERY_MS = 5000;

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => (socket.destroy(), resolve(false)));
  });
}

function hasFuncCli(): boolean {
  if (process.env.RELAY_LOCAL_RUNNER === '1') return false;
  return spawnSync('func', ['--version'], { stdio: 'ignore' }).status === 0;
}

function verboseLine(event: CounterEvent): string | undefined {
  const d = event.dimensions;
  if (event.key === 'recordsAccepted') return `relay: accepted ${event.value} record(s) on the ${d.door} door, Log-Type ${d.logType}, workspace ${d.workspaceId}`;
  if (event.key === 'rowsDelivered') return `relay: delivered ${event.value} row(s) of Log-Type ${d.logType} to ${d.stream}`;
  return undefined;
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: { verbose: { type: 'boolean' }, https: { type: 'boolean' }, 'https-port': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (args.help) return void console.log(HELP);
  const root = projectRoot();
  const values = localSettingsValues(root);
  for (const [name, value] of Object.entries(values)) process.env[name] ??= value;

  const problems = settingsProblems(process.env);
  if (problems.length > 0) {
    console.error(`Cannot start: fix these settings in local.settings.json (or the environment):\n  - ${problems.join('\n  - ')}`);
    process.exit(1);
  }

  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    stops.length = 0;
  };
  try {
    await run(root, args, stops);
  } catch (error) {
    // A failed start leaves nothing running: Azurite and the emulator stop with it.
    await stopAll();
    const e = error as { code?: string; port?: number; message?: string };
    const hint = e.code === 'EADDRINUSE' ? `port ${e.port} is in use (another npm start, or func?); stop it and try again` : (e.message ?? String(error));
    console.error(`Cannot start: ${hint}`);
    process.exit(1);
  }
  const shutdown = async () => {
    await stopAll();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

async function run(root: string, args: { verbose?: boolean; https?: boolean; 'https-port'?: string }, stops: Array<() => Promise<void>>): Promise<void> {
  if (await listening(AZURITE.queuePort)) {
    console.log(`Azurite is already listening on 127.0.0.1:${AZURITE.queuePort}; using it.`);
  } else {
    const azurite = await startAzurite({ ...AZURITE, location: path.join(root, '.azurite') });
    let stopping = false;
    stops.push(async () => {
      stopping = true;
      await azurite.stop();
    });
    azurite.process.once('exit', (code, signal) => {
      if (!stopping) console.error(`Azurite exited unexpectedly (${signal ?? code}): requests now answer 503 and nothing is delivered. Stop with Ctrl+C and run npm start again.`);
    });
  }

  // The Logs Ingestion emulator stands in for Azure Monitor: HTTPS, development tokens, rows kept as NDJSON.
  const emulatorUrl = new URL(process.env.RELAY_INGESTION_ENDPOINT ?? 'https://127.0.0.1:7443');
  const dataDir = path.join(root, '.local', 'emulator', 'data');
  const dcr = process.env.RELAY_DCR_IMMUTABLE_ID ?? 'dcr-10ca1000000000000000000000000000';
  const emulator = await startLogsIngestionEmulator({
    port: Number(emulatorUrl.port || 443),
    dataDir,
    certDir: path.join(root, '.local', 'emulator', 'certs'),
    streamsDir: process.env.RELAY_STREAMS_DIR || undefined,
    // Every declared stream, as `azd provision` would put in the relay's DCR: a table added with `npm run table`
    // delivers locally too.
    dcrs: { [dcr]: loadStreamDeclarations(process.env.RELAY_STREAMS_DIR || undefined).map((s) => s.stream) },
  });
  stops.push(emulator.close);
  process.env.RELAY_INGESTION_CA_FILE = path.resolve(root, process.env.RELAY_INGESTION_CA_FILE ?? emulator.caFile);

  const workspaceIds = Object.entries(process.env)
    .filter(([name, v]) => /^RELAY_WORKSPACE_\d+_ID$/.test(name) && v)
    .map(([, v]) => v!.toLowerCase());
  let url = 'http://127.0.0.1:7071';
  let httpsUrl: string | undefined;
  let caFile: string | undefined;
  const localRunner = !hasFuncCli();
  if (!localRunner) {
    if (args.https) console.warn('--https needs the local runner (RELAY_LOCAL_RUNNER=1); func start serves HTTP only.');
    const func = spawn('func', ['start', '--port', '7071'], { cwd: root, stdio: 'inherit', env: process.env });
    stops.push(async () => void func.kill('SIGINT'));
    func.once('exit', (code) => process.exit(code ?? 0));
  } else {
    let https: { port: number; key: string; cert: string } | undefined;
    if (args.https) {
      const tls = await loadOrCreateCertificate(path.join(root, '.local', 'relay', 'certs'), workspaceIds.map((id) => `${id}.localhost`));
      https = { port: Number(args['https-port'] ?? 7444), key: tls.key, cert: tls.cert };
      caFile = tls.caFile;
    }
    process.env.RELAY_SUMMARY_SECONDS = '0';
    const runner = await startLocalRunner({ port: 7071, https });
    url = runner.url;
    httpsUrl = runner.httpsUrl;
    stops.push(runner.close);
    for (const fn of runner.registrations.http) {
      console.log(`  ${fn.name}: [${(fn.methods ?? []).join(',')}] ${url}/api/${fn.route} (auth: ${fn.authLevel})`);
    }
  }

  const queue = process.env.RELAY_QUEUE_NAME ?? 'relay-ingest';
  const container = process.env.RELAY_BLOB_CONTAINER ?? 'relay-payloads';
  const httpsLines = httpsUrl
    ? [
        `  HTTPS listener:    ${httpsUrl.replace('localhost', `${workspaceIds[0]}.localhost`)}/api/logs?api-version=2016-04-01`,
        `                     (also https://localhost:${new URL(httpsUrl).port}); trust the local CA ${caFile}`,
        `                     e.g. fluent-bit tls.ca_file, Vector tls.ca_file, SSL_CERT_FILE; <id>.localhost may need an /etc/hosts line`,
      ]
    : [];
  console.log(
    [
      '',
      `Relay listening on ${url}`,
      `  Legacy endpoint:   POST ${url}/api/logs?api-version=2016-04-01`,
      `  Keeper endpoint:   POST ${url}/api/keeper/events`,
      `  Health:            GET  ${url}/api/health      npm run status`,
      ...httpsLines,
      `  Workspace id:      ${process.env.RELAY_WORKSPACE_1_ID}`,
      `  Workspace key:     ${keyLine(root, process.env.RELAY_WORKSPACE_1_PRIMARY_KEY)}`,
      `  Queued messages:   Azurite queue '${queue}' at http://127.0.0.1:${AZURITE.queuePort}/devstoreaccount1/${queue}`,
      `  Large bodies:      Azurite container '${container}' at http://127.0.0.1:${AZURITE.blobPort}/devstoreaccount1/${container}`,
      `  Azurite data:      ${path.join(root, '.azurite')}`,
      `  Logs Ingestion:    emulator at ${emulator.url} (DCR ${dcr}); delivered rows as NDJSON per stream in`,
      `                     ${dataDir}`,
      `                     e.g. ${path.join(dataDir, `${STREAMS.keeperSentinel.stream}.ndjson`)}`,
      `  Poison messages:   npm run redrive`,
      '',
      `Try: npm run send-sample      Stop: Ctrl+C      Summary every ${SUMMARY_EVERY_MS / 1000} s while traffic flows${args.verbose ? '' : ' (--verbose: a line per request)'}`,
    ].join('\n'),
  );

  if (localRunner) {
    const counters = relayCounters();
    if (args.verbose) counters.onEvent((event) => {
      const line = verboseLine(event);
      if (line) console.log(line);
    });
    const storage = relayRuntime().storage;
    let storageDown = false;
    const backlog = async (): Promise<BacklogFigures> => {
      const report = await checkHealth(storage, { timeoutMs: 3000 });
      if (!report.storage.reachable && !storageDown) console.error(`relay: storage unreachable (${report.storage.error}): is Azurite still running? Requests answer 503 until it is back.`);
      if (report.storage.reachable && storageDown) console.log('relay: storage reachable again');
      storageDown = !report.storage.reachable;
      return { queued: report.queue.depth, oldestSeconds: report.queue.oldestMessageAgeSeconds, poison: report.poison.depth };
    };
    const stop = startSummaryLog(counters, (line) => console.log(line), SUMMARY_EVERY_MS, backlog);
    stops.push(async () => stop());
  }
}

main().catch((error: unknown) => {
  console.error(`Cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
