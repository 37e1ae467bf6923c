import { readFileSync } from 'node:fs';
import os from 'node:os';
import { Agent } from 'node:http';
import { STREAMS } from '../shared/mapping/streamSchemas';
import { sharedKeyAuthorization } from '../shared/ingest/sharedKey';
import { startAzurite } from './azurite';
import { LEGACY_PATH, PRIMARY_KEY, relayEnv, signedKeeperHeaders, WORKSPACE_ID } from './bench/benchWorkspace';
import { fmt } from './bench/format';
import { httpPost } from './bench/httpPost';
import { keeperBodies } from './bench/keeperEvents';
import { startRelayProcess, type RelayProcess } from './bench/relayProcess';
import { renderTable } from './bench/table';
import { startEmulatorChild, type EmulatorChild } from './benchDelivery/emulatorProcess';

/**
 * `npm run bench`, part 3: the relay's memory, end to end. One relay process (HTTP doors and queue trigger, as the
 * local runner serves them) backed by Azurite and the Logs Ingestion emulator (own processes); its resident memory
 * is sampled from /proc every 100 ms while it answers and delivers:
 *  1. one 250-event Keeper post (the common case);
 *  2. one signed 30 MB post of ten million `{}` records;
 *  3. twenty concurrent signed 28 MB posts;
 *  4. fifty unsigned 30 MB posts, ten at a time: memory afterwards must be idle plus a constant.
 * Each case waits until every row it sent is accepted by the emulator and prints the counts. Peaks are compared with
 * the 2,048 MB instance memory of the template's default Flex Consumption plan.
 */

const INSTANCE_MB = 2048;
const MB = 1024 * 1024;
const DCR = 'dcr-be0c0000000000000000000000000000';

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/** Samples a process's RSS every 100 ms; `peak()` is the highest since the last `reset()`. */
function rssSampler(pid: number) {
  let peak = rssMb(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMb(pid));
    } catch {
      // The process is gone: the bench fails on its own.
    }
  }, 100);
  return { peak: () => Math.max(peak, rssMb(pid)), reset: () => void (peak = rssMb(pid)), stop: () => clearInterval(timer) };
}

function signedHeaders(body: Buffer, logType: string, key = PRIMARY_KEY): Record<string, string> {
  const date = new Date().toUTCString();
  return {
    'content-type': 'application/json',
    'content-length': String(body.length),
    authorization: sharedKeyAuthorization(WORKSPACE_ID, key, body.length, date),
    'log-type': logType,
    'x-ms-date': date,
  };
}

/** Ten million empty records: `[{},{},...]`, 30,000,001 bytes. */
function tenMillionEmpty(): Buffer {
  const body = Buffer.alloc(1 + 10_000_000 * 3 - 1 + 1, ',');
  body[0] = 0x5b;
  for (let i = 0; i < 10_000_000; i++) {
    body[1 + i * 3] = 0x7b;
    body[2 + i * 3] = 0x7d;
  }
  body[body.length - 1] = 0x5d;
  return body;
}

/** A JSON array of distinct ~560-byte application records, just under `bytes`; returns the body and its record count. */
function largeBody(bytes: number, seed: number): { body: Buffer; records: number } {
  const parts: string[] = [];
  let size = 2;
  let n = 0;
  while (size < bytes - 1024) {
    const record = JSON.stringify({
      timestamp: new Date(Date.UTC(2025, 0, 1) + n * 1000).toISOString(),
      host: `host-${seed}-${n % 97}`,
      level: ['info', 'warn', 'error'][n % 3],
      message: `request ${seed}/${n} served in ${(n * 7919) % 1000} ms`.padEnd(400, '.'),
      seq: n,
    });
    parts.push(record);
    size += record.length + 1;
    n++;
  }
  return { body: Buffer.from(`[${parts.join(',')}]`), records: n };
}

async function waitForRows(emulator: EmulatorChild, target: number, label: string): Promise<number> {
  const started = Date.now();
  let lastReport = 0;
  for (;;) {
    const { acceptedRows } = await emulator.stats();
    if (acceptedRows >= target) return (Date.now() - started) / 1000;
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      console.log(`   ${label}: ${fmt(acceptedRows)} of ${fmt(target)} rows accepted so far`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

interface CaseResult {
  name: string;
  answers: string;
  ackSeconds: number;
  rows: string;
  deliverSeconds: number;
  peakMb: number;
}

const cleanups: Array<() => Promise<void>> = [];

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`memory bench interrupted (${signal}): stopping Azurite, the emulator and the relay`);
    void Promise.all(cleanups.splice(0).map((stop) => stop().catch(() => undefined))).finally(() => process.exit(130));
  });
}

/** `node dist/tools/benchMemory.js unsigned` runs only the unsigned posts (a minute instead of about fifteen). */
const only = process.argv[2];

async function main(): Promise<void> {
  console.log(`3/3 memory: Node ${process.version}, ${os.cpus().length} CPUs. Starting Azurite, the Logs Ingestion emulator and the relay (doors + queue trigger)...`);
  const agent = new Agent({ keepAlive: false, maxSockets: 64 });
  try {
    const azurite = await startAzurite();
    cleanups.push(azurite.stop);
    const emulator = await startEmulatorChild({ [DCR]: Object.values(STREAMS).map((s) => s.stream) });
    cleanups.push(emulator.stop);
    const relay: RelayProcess = await startRelayProcess({
      ...relayEnv(azurite.connectionString, 'bench-memory', 'bench-memory'),
      BENCH_RELAY_QUEUES: '1',
      RELAY_INGESTION_ENDPOINT: emulator.url,
      RELAY_INGESTION_CA_FILE: emulator.caFile,
      RELAY_DCR_IMMUTABLE_ID: DCR,
      RELAY_KEEPER_CL_ENABLED: 'false',
    });
    cleanups.push(relay.stop);
    const pid = relay.pid!;
    const url = `${relay.url}${LEGACY_PATH}`;
    const sampler = rssSampler(pid);
    cleanups.push(async () => sampler.stop());
    let expectedRows = 0;
    const results: CaseResult[] = [];

    async function runCase(name: string, posts: Array<{ body: Buffer; headers: Record<string, string> }>, rows: number, concurrency: number): Promise<void> {
      console.log(` - ${name}...`);
      sampler.reset();
      const started = Date.now();
      const statuses: Record<string, number> = {};
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < posts.length) {
            const post = posts[next++]!;
            const status = await httpPost(url, post.headers, post.body, agent, 300_000).catch(() => 'reset');
            statuses[status] = (statuses[status] ?? 0) + 1;
          }
        }),
      );
      const ackSeconds = (Date.now() - started) / 1000;
      expectedRows += rows;
      const deliverSeconds = rows > 0 ? await waitForRows(emulator, expectedRows, name) : 0;
      const accepted = (await emulator.stats()).acceptedRows;
      results.push({
        name,
        answers: Object.entries(statuses).map(([s, n]) => `${n} × ${s}`).join(', '),
        ackSeconds,
        rows: rows > 0 ? `${fmt(rows)} sent, ${fmt(accepted - (expectedRows - rows))} landed` : '-',
        deliverSeconds,
        peakMb: sampler.peak(),
      });
    }

    // Warm up (modules, connections), then idle memory.
    await runCase('warm-up: one 250-event Keeper post', [{ body: keeperBodies(1, 7)[0]!, headers: {} }].map((p) => ({ ...p, headers: signedKeeperHeaders(p.body) })), 250, 1);
    results.pop();
    await new Promise((r) => setTimeout(r, 3000));
    const idleMb = rssMb(pid);

    // First, next to idle: what unauthenticated callers cost must not hide behind memory the big posts left.
    const junk = Buffer.alloc(30 * MB, 0x20);
    const wrongKey = Buffer.alloc(64, 7).toString('base64');
    await runCase('50 unsigned 30 MB posts, 10 at a time', Array.from({ length: 50 }, () => ({ body: junk, headers: signedHeaders(junk, 'BenchUnsigned', wrongKey) })), 0, 10);
    await new Promise((r) => setTimeout(r, 3000));
    const afterUnsignedMb = rssMb(pid);
    if (only === 'unsigned') return report(results, idleMb, afterUnsignedMb);

    const keeper = keeperBodies(1, 11)[0]!;
    await runCase('one 250-event Keeper post', [{ body: keeper, headers: signedKeeperHeaders(keeper) }], 250, 1);

    const empty = tenMillionEmpty();
    await runCase(`one 30 MB post of ten million {} (${fmt(empty.length)} bytes)`, [{ body: empty, headers: signedHeaders(empty, 'BenchEmpty') }], 10_000_000, 1);

    const large = Array.from({ length: 20 }, (_, i) => largeBody(28 * MB, i));
    const largeRows = large.reduce((n, l) => n + l.records, 0);
    await runCase(
      `20 concurrent 28 MB posts (${fmt(largeRows)} records)`,
      large.map((l) => ({ body: l.body, headers: signedHeaders(l.body, 'BenchLarge') })),
      largeRows,
      20,
    );
    large.length = 0;

    report(results, idleMb, afterUnsignedMb);
  } finally {
    agent.destroy();
    for (const stop of cleanups.splice(0).reverse()) await stop().catch(() => undefined);
  }
}

function report(results: CaseResult[], idleMb: number, afterUnsignedMb: number): void {
  {
    const table = renderTable(
      ['case', 'answers', 'all answered (s)', 'rows', 'delivered after (s)', 'relay peak RSS (MB)', `of ${fmt(INSTANCE_MB)} MB instance`],
      results.map((r) => [r.name, r.answers, fmt(r.ackSeconds, 1), r.rows, fmt(r.deliverSeconds, 1), fmt(r.peakMb), `${fmt((100 * r.peakMb) / INSTANCE_MB)} %`]),
    );
    console.log(`\n${table}\n`);
    console.log(
      `Relay RSS idle ${fmt(idleMb)} MB; 3 s after the 50 unsigned 30 MB posts (1.5 GB offered) ${fmt(afterUnsignedMb)} MB ` +
        `(${afterUnsignedMb - idleMb >= 0 ? '+' : ''}${fmt(afterUnsignedMb - idleMb)} MB).`,
    );
    const worst = Math.max(...results.map((r) => r.peakMb));
    console.log(`Peak relay RSS ${fmt(worst)} MB: ${worst < INSTANCE_MB ? 'under' : 'OVER'} the ${fmt(INSTANCE_MB)} MB instance memory. One process serves doors and delivery here, as one Flex instance does.`);
  }
}

main().catch((error: unknown) => {
  console.error(`memory bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
