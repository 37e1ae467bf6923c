import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { loadOrCreateCertificate } from './certificate';
import { dcrsSchema } from './config';
import { FaultInjector, type FaultOptions, type FaultSettings } from './faults';
import { DEFAULT_AUDIENCE } from './limits';
import { defaultCertDir, defaultStreamsDir } from './repoRoot';
import { handleRequest } from './requestHandler';
import { StatsRecorder, type EmulatorStats } from './stats';
import { RowStore } from './storage';
import { resolveDcrStreams } from './streams';

export interface LogsIngestionEmulatorOptions {
  /** Loopback port; omitted or 0 picks a free one (read it back from `url`). */
  port?: number;
  /** Accepted rows go to `<dataDir>/<stream>.ndjson`; existing files are appended to (reset() clears them). */
  dataDir: string;
  /** Certificate cache; default `<repo>/.local/emulator/certs`. */
  certDir?: string;
  /** DCR immutable id → stream names that DCR declares. */
  dcrs: Record<string, string[]>;
  /** Token audience the emulator accepts; default https://monitor.azure.com. */
  audience?: string;
  faults?: FaultOptions;
  /** Stream schema files; default `<repo>/shared/streams`. */
  streamsDir?: string;
  /**
   * Replace a TimeGenerated older than 2 days or more than 1 day ahead with the receive time, as the service does.
   * Off by default so fixtures with fixed dates stay comparable; out-of-window values are counted either way.
   */
  replaceStaleTimeGenerated?: boolean;
}

export interface RunningLogsIngestionEmulator {
  /** `https://127.0.0.1:<port>`: the endpoint for LogsIngestionClient. */
  url: string;
  port: number;
  /** PEM of the CA that signed the server certificate: `tlsOptions: { ca }`. */
  ca: string;
  /** The same CA as a file, for NODE_EXTRA_CA_CERTS or other processes. */
  caFile: string;
  /** Stored rows of a stream, in arrival order, exactly as stored. */
  rows(stream: string): Promise<Record<string, unknown>[]>;
  /** The same rows as JSON text, numbers exactly as the relay wrote them (3.0 stays 3.0). */
  rowTexts(stream: string): Promise<string[]>;
  stats(): EmulatorStats;
  /** Change fault injection from now on (a seeded sequence restarts). */
  setFaults(faults: FaultOptions): void;
  faults(): FaultSettings;
  /** Clear counters and stored rows, and restart a seeded fault sequence; the fault settings stay. */
  reset(): void;
  close(): Promise<void>;
}

/** Start the Logs Ingestion API emulator on 127.0.0.1 over HTTPS. */
export async function startLogsIngestionEmulator(options: LogsIngestionEmulatorOptions): Promise<RunningLogsIngestionEmulator> {
  const dcrs = dcrsSchema.parse(options.dcrs);
  const schemas = await resolveDcrStreams(options.streamsDir ?? defaultStreamsDir(), dcrs);
  const tls = await loadOrCreateCertificate(options.certDir ?? defaultCertDir());
  const faults = new FaultInjector(options.faults);
  const stats = new StatsRecorder();
  const store = new RowStore(options.dataDir, [...schemas.keys()]);
  const closing = new AbortController();
  const context = {
    dcrs: new Map(Object.entries(dcrs).map(([id, streams]) => [id, new Set(streams)])),
    schemas,
    audience: options.audience ?? DEFAULT_AUDIENCE,
    faults,
    stats,
    store,
    replaceStaleTimeGenerated: options.replaceStaleTimeGenerated ?? false,
    closing: closing.signal,
  };

  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    handleRequest(req, res, context).catch((error: unknown) => {
      // Closing, a client that went away, or an emulator bug: answer 500 if still possible, else drop the socket.
      if (closing.signal.aborted || res.headersSent || req.destroyed) {
        req.socket.destroy();
        return;
      }
      stats.response(500);
      res.writeHead(500, { 'content-type': 'application/json', 'x-ms-error-code': 'InternalServerError' });
      res.end(JSON.stringify({ error: { code: 'InternalServerError', message: `Emulator failure: ${String(error)}` } }));
    });
  });
  // Clients that do not trust the certificate abort the handshake; that is their problem, not a server error.
  server.on('tlsClientError', () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `https://127.0.0.1:${port}`,
    port,
    ca: tls.ca,
    caFile: tls.caFile,
    rows: (stream) => store.read(stream),
    rowTexts: (stream) => store.readTexts(stream),
    stats: () => stats.snapshot(),
    setFaults: (next) => faults.set(next),
    faults: () => faults.current,
    reset: () => {
      stats.reset();
      store.clear();
      faults.restart();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing.abort();
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets (the SDK pools them) would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}
