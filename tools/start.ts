import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import path from 'node:path';
import { startAzurite } from './azurite';
import { STREAMS } from '../shared/streamSchemas';
import { startLogsIngestionEmulator } from './logsIngestionEmulator';
import { localSettingsValues, projectRoot } from './localSettings';
import { startLocalRunner } from './localRunner';

/**
 * `npm start`: Azurite on loopback plus the relay on http://127.0.0.1:7071, on the settings in local.settings.json.
 * Uses `func start` when Azure Functions Core Tools is installed, else the project's local runner.
 */

const AZURITE = { blobPort: 10000, queuePort: 10001, tablePort: 10002 };

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

async function main(): Promise<void> {
  const root = projectRoot();
  const values = localSettingsValues(root);
  for (const [name, value] of Object.entries(values)) process.env[name] ??= value;

  const stops: Array<() => Promise<void>> = [];
  if (await listening(AZURITE.queuePort)) {
    console.log(`Azurite is already listening on 127.0.0.1:${AZURITE.queuePort}; using it.`);
  } else {
    const azurite = await startAzurite({ ...AZURITE, location: path.join(root, '.azurite') });
    stops.push(azurite.stop);
  }

  // The Logs Ingestion emulator stands in for Azure Monitor: HTTPS, development tokens, rows kept as NDJSON.
  const emulatorUrl = new URL(process.env.RELAY_INGESTION_ENDPOINT ?? 'https://127.0.0.1:7443');
  const dataDir = path.join(root, '.local', 'emulator', 'data');
  const dcr = process.env.RELAY_DCR_IMMUTABLE_ID ?? 'dcr-10ca1000000000000000000000000000';
  const emulator = await startLogsIngestionEmulator({
    port: Number(emulatorUrl.port || 443),
    dataDir,
    certDir: path.join(root, '.local', 'emulator', 'certs'),
    dcrs: { [dcr]: Object.values(STREAMS).map((s) => s.stream) },
  });
  stops.push(emulator.close);
  process.env.RELAY_INGESTION_CA_FILE = path.resolve(root, process.env.RELAY_INGESTION_CA_FILE ?? emulator.caFile);

  let url = 'http://127.0.0.1:7071';
  if (hasFuncCli()) {
    const func = spawn('func', ['start', '--port', '7071'], { cwd: root, stdio: 'inherit', env: process.env });
    stops.push(async () => void func.kill('SIGINT'));
    func.once('exit', (code) => process.exit(code ?? 0));
  } else {

    const runner = await startLocalRunner({ port: 7071 });
    url = runner.url;
    stops.push(runner.close);
    for (const fn of runner.registrations.http) {
      console.log(`  ${fn.name}: [${(fn.methods ?? []).join(',')}] ${url}/api/${fn.route} (auth: ${fn.authLevel})`);
    }
  }

  const queue = process.env.RELAY_QUEUE_NAME ?? 'relay-ingest';
  const container = process.env.RELAY_BLOB_CONTAINER ?? 'relay-payloads';
  console.log(
    [
      '',
      `Relay listening on ${url}`,
      `  Legacy endpoint:   POST ${url}/api/logs?api-version=2016-04-01`,
      `  Keeper endpoint:   POST ${url}/api/keeper/events`,
      `  Workspace id:      ${process.env.RELAY_WORKSPACE_1_ID}`,
      `  Workspace key:     ${process.env.RELAY_WORKSPACE_1_PRIMARY_KEY}   (local sample key from local.settings.json)`,
      `  Queued messages:   Azurite queue '${queue}' at http://127.0.0.1:${AZURITE.queuePort}/devstoreaccount1/${queue}`,
      `  Large bodies:      Azurite container '${container}' at http://127.0.0.1:${AZURITE.blobPort}/devstoreaccount1/${container}`,
      `  Azurite data:      ${path.join(root, '.azurite')}`,
      `  Logs Ingestion:    emulator at ${emulator.url} (DCR ${dcr}); delivered rows as NDJSON per stream in`,
      `                     ${dataDir}`,
      `                     e.g. ${path.join(dataDir, `${STREAMS.keeperSentinel.stream}.ndjson`)}`,
      `  Poison messages:   npm run redrive`,
      '',
      'Try: npm run send-sample      Stop: Ctrl+C',
    ].join('\n'),
  );

  const shutdown = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
