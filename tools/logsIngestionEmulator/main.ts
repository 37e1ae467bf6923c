import { configFromEnv } from './config';
import { startLogsIngestionEmulator } from './emulator';
import { loadStreamSchemas } from './streams';

/**
 * `node dist/tools/logsIngestionEmulator/main.js`: the emulator as its own process (configured by LOGS_EMULATOR_*
 * variables, see config.ts). The first line of output is the endpoint URL alone, so a parent process can read it;
 * the CA file and DCRs follow for people.
 */
async function main(): Promise<void> {
  const config = configFromEnv();
  const dcrs = config.dcrs ?? { 'dcr-emulator': [...(await loadStreamSchemas(config.streamsDir)).schemas.keys()] };
  const emulator = await startLogsIngestionEmulator({ ...config, dcrs });
  process.stdout.write(`${emulator.url}\n`);
  process.stdout.write(`CA certificate: ${emulator.caFile} (trust it with tlsOptions: { ca } or NODE_EXTRA_CA_CERTS)\n`);
  for (const [id, streams] of Object.entries(dcrs)) process.stdout.write(`DCR ${id}: ${streams.join(', ')}\n`);
  process.stdout.write(`Rows: ${config.dataDir}; counters: GET ${emulator.url}/_emulator/stats\n`);
  const stop = () => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
