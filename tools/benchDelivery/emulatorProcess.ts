import { spawn } from 'node:child_process';
import { request } from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { EmulatorStats } from '../logsIngestionEmulator';
import { stopChild } from '../stopChild';

/**
 * The Logs Ingestion emulator in its own process (dist/tools/logsIngestionEmulator/main.js), so its gunzip,
 * JSON.parse and validation run on their own event loop instead of stealing the relay worker's: in the cloud the
 * service's CPU is not the relay's either. It still shares this machine's cores, which the note says.
 */

export interface EmulatorChild {
  url: string;
  caFile: string;
  pid: number | undefined;
  stats(): Promise<EmulatorStats>;
  /** Stored rows of a stream, read from the emulator's NDJSON file (no need to ship 20,000 rows over HTTP). */
  rows(stream: string): Record<string, unknown>[];
  stop(): Promise<void>;
}

export async function startEmulatorChild(dcrs: Record<string, string[]>, execArgv: string[] = []): Promise<EmulatorChild> {
  // A fresh data folder per child: each run starts with no rows and zeroed counters.
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-delivery-ingestion-'));
  const main = path.join(__dirname, '..', 'logsIngestionEmulator', 'main.js');
  const child = spawn(process.execPath, [...execArgv, main], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOGS_EMULATOR_PORT: '0', LOGS_EMULATOR_DATA_DIR: dataDir, LOGS_EMULATOR_DCRS: JSON.stringify(dcrs) },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  // main.js prints the URL alone on the first line, then "CA certificate: <file> (...)".
  const lines = createInterface({ input: child.stdout! });
  const head: string[] = [];
  await new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      head.push(line);
      if (head.length === 2) resolve();
    });
    void exited.then(() => reject(new Error(`the emulator exited before listening: ${stderr.trim()}`)));
  });
  const url = head[0]!.trim();
  const caFile = /^CA certificate: (.+?) \(/.exec(head[1]!)?.[1];
  if (!url.startsWith('https://127.0.0.1:') || !caFile) throw new Error(`unexpected emulator output: ${head.join(' / ')}`);
  const ca = readFileSync(caFile, 'utf8');

  return {
    url,
    caFile,
    pid: child.pid,
    stats: () =>
      new Promise<EmulatorStats>((resolve, reject) => {
        const req = request(`${url}/_emulator/stats`, { ca, agent: false }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text) as EmulatorStats) : reject(new Error(`stats: ${res.statusCode} ${text}`))));
        });
        req.on('error', reject);
        req.end();
      }),
    rows(stream) {
      let text = '';
      try {
        text = readFileSync(path.join(dataDir, `${stream}.ndjson`), 'utf8');
      } catch {
        return [];
      }
      return text
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    async stop() {
      await stopChild(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
