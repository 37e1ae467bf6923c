import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeSampleExport, type SampleFormat } from './backfillSampleExports';

/**
 * Memory of the backfill tool on large exports: for each format, a small and a large export (default 100 MB and
 * 1 GB) are sent by the real CLI (`dist/tools/backfill.js`, a child process) to a local sink that reads each request
 * whole and answers 200. Peak RSS (the child's maxRSS) must not grow with the file: the tool streams.
 * The sink stands in for the relay so the run measures the tool, not the relay (whose memory the main bench covers).
 *
 * node dist/tools/backfillBench.js [--large-mb 1024] [--small-mb 100] [--formats json,csv,syslog]
 */

/** Bytes per event of the sample exports, roughly, to size the files. */
const BYTES_PER_EVENT: Record<SampleFormat, number> = { json: 265, csv: 100, syslog: 280 };

interface Measurement {
  format: SampleFormat;
  fileMb: number;
  events: number;
  seconds: number;
  peakRssMb: number;
  requests: number;
  summary: string;
}

async function startSink(): Promise<{ url: string; requests: () => number; close: () => void }> {
  let requests = 0;
  const server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      requests++;
      res.writeHead(bytes > 0 ? 200 : 400).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/keeper/events`, requests: () => requests, close: () => server.close() };
}

async function measure(dir: string, format: SampleFormat, megabytes: number): Promise<Measurement> {
  const file = path.join(dir, `export-${megabytes}.${format === 'syslog' ? 'log' : format}`);
  const sample = writeSampleExport(file, format, Math.round((megabytes * 1e6) / BYTES_PER_EVENT[format]), { tag: `bench${megabytes}` });
  const sink = await startSink();
  const preload = path.join(dir, 'peak-rss.js');
  writeFileSync(preload, "process.on('exit', () => process.stderr.write(`\\npeak-rss-kb ${process.resourceUsage().maxRSS}\\n`));\n");
  const started = Date.now();
  const child = spawn(
    process.execPath,
    ['-r', preload, path.join(__dirname, 'backfill.js'), file, '--url', sink.url, '--fresh', '--checkpoint', path.join(dir, 'checkpoint.json'), '--progress-seconds', '5'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    process.stderr.write(c);
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  sink.close();
  rmSync(file, { force: true });
  if (code !== 0) throw new Error(`backfill exited ${code}: ${stdout}\n${stderr.slice(-2000)}`);
  const peakKb = Number(/peak-rss-kb (\d+)/.exec(stderr)?.[1]);
  return {
    format,
    fileMb: sample.bytes / 1e6,
    events: sample.events,
    seconds: (Date.now() - started) / 1000,
    peakRssMb: peakKb / 1024,
    requests: sink.requests(),
    summary: stdout.trim(),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'large-mb': { type: 'string', default: '1024' },
      'small-mb': { type: 'string', default: '100' },
      formats: { type: 'string', default: 'json,csv,syslog' },
    },
  });
  const formats = values.formats.split(',') as SampleFormat[];
  const dir = mkdtempSync(path.join(tmpdir(), 'backfill-bench-'));
  const results: Measurement[] = [];
  try {
    for (const format of formats) {
      for (const mb of [Number(values['small-mb']), Number(values['large-mb'])]) results.push(await measure(dir, format, mb));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('\nBackfill tool memory (CLI child process, local sink answering 200)');
  console.log('| format | export MB | events | requests | seconds | MB/s | peak RSS MB |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(
      `| ${r.format} | ${r.fileMb.toFixed(0)} | ${r.events.toLocaleString('en-US')} | ${r.requests} | ${r.seconds.toFixed(1)} | ${(r.fileMb / r.seconds).toFixed(1)} | ${r.peakRssMb.toFixed(0)} |`,
    );
  }
  const last = results.at(-1);
  if (last) console.log(`\nSummary of the last run:\n${last.summary}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
