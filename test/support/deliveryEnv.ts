import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLogsIngestionEmulator, type RunningLogsIngestionEmulator } from '../../tools/logsIngestionEmulator';
import { STREAMS } from '../../shared/mapping/streamSchemas';

export const TEST_DCR = 'dcr-0123456789abcdef0123456789abcdef';

export interface TestIngestion {
  emulator: RunningLogsIngestionEmulator;
  env: Record<string, string>;
}

/**
 * A Logs Ingestion emulator declaring every relay stream on one DCR, and the delivery settings pointing at it.
 * `streamsDir` and `extraStreams`: a declarations folder with more tables, used by both the emulator and the relay.
 * `dataDir`: where the emulator stores its rows (default a new temporary folder).
 */
export async function startTestIngestion(options: { streamsDir?: string; extraStreams?: string[]; dataDir?: string } = {}): Promise<TestIngestion> {
  const emulator = await startLogsIngestionEmulator({
    dataDir: options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'relay-ingestion-')),
    dcrs: { [TEST_DCR]: [...Object.values(STREAMS).map((s) => s.stream), ...(options.extraStreams ?? [])] },
    ...(options.streamsDir ? { streamsDir: options.streamsDir } : {}),
  });
  return {
    emulator,
    env: {
      RELAY_INGESTION_ENDPOINT: emulator.url,
      RELAY_DCR_IMMUTABLE_ID: TEST_DCR,
      RELAY_CREDENTIAL: 'development',
      RELAY_INGESTION_CA_FILE: emulator.caFile,
      RELAY_KEEPER_CL_ENABLED: 'true',
      RELAY_RETRY_DELAY_SECONDS: '1',
      // Renewed at half, like the host's 10-minute lease: 20 s leaves a loaded machine 10 s of slack per renewal, and a
      // crashed worker's messages come back within 20 s.
      RELAY_LOCAL_QUEUE_LEASE_SECONDS: '20',
      ...(options.streamsDir ? { RELAY_STREAMS_DIR: options.streamsDir } : {}),
    },
  };
}

/** Polls until the check passes or the time is up (then the last failure is thrown). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}
