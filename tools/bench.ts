import os from 'node:os';
import { startAzurite } from './azurite';
import { measureAckLatency } from './bench/ackLatency';
import { measureIngestCpu } from './bench/ingestCpu';
import { EVENTS_PER_POST, keeperBodies } from './bench/keeperEvents';
import { report } from './bench/report';

/**
 * `npm run bench`: the relay's ingest cost and ack latency, each next to its baseline, measured in one run on this
 * machine (absolute numbers vary between machines; the ratios are what the targets are about). Not a test.
 *  1. CPU: the real legacy handler over signed 250-event Keeper posts, storage write in memory, vs JSON.parse + HMAC.
 *  2. Latency: 50 concurrent senders posting to the relay (own process) backed by Azurite, vs bare queue writes.
 * Everything listens on 127.0.0.1 only; Azurite and the relay child are stopped on exit, error or Ctrl+C.
 */

const BODIES = 40;
const CPU = { runMs: 4000, warmupMs: 1500 };
const ACK = { concurrency: 50, maxOps: 3000, maxMs: 15_000, warmupOps: 200, rounds: 3 };

const cleanups: Array<() => Promise<void>> = [];

async function cleanUp(): Promise<void> {
  for (const stop of cleanups.splice(0).reverse()) await stop().catch(() => undefined);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`bench interrupted (${signal}): stopping Azurite and the relay`);
    void cleanUp().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const bodies = keeperBodies(BODIES);
  const bodyBytes = bodies.reduce((n, b) => n + b.length, 0) / bodies.length;
  console.log(
    `Node ${process.version}, ${os.cpus().length} CPUs. ${BODIES} distinct bodies of ${EVENTS_PER_POST} shape-A Keeper events, ` +
      `${Math.round(bodyBytes / EVENTS_PER_POST)} bytes/event.`,
  );

  console.log(`1/2 ingest CPU: baseline and handler, ${CPU.runMs / 1000} s each after ${CPU.warmupMs / 1000} s warm-up...`);
  const cpu = await measureIngestCpu(bodies, CPU);

  console.log(
    `2/2 ack latency: starting Azurite and the relay; up to ${ACK.maxOps} posts or ${ACK.maxMs / 1000} s per side, ` +
      `in ${ACK.rounds} alternating rounds...`,
  );
  const azurite = await startAzurite();
  cleanups.push(azurite.stop);
  const ack = await measureAckLatency({ connectionString: azurite.connectionString, pid: azurite.process.pid }, bodies, ACK);

  const { table, allMet } = report({ cpu, ack, concurrency: ACK.concurrency, bodyBytes });
  console.log(`\n${table}\n\nAll targets met: ${allMet ? 'yes' : 'no'}`);
  console.log(
    `Ack latencies are closed-loop: each of the ${ACK.concurrency} senders waits for its answer before sending again, so ` +
      `once the machine is saturated latency ≈ ${ACK.concurrency} / throughput. Azurite, the relay and this load ` +
      `generator share ${os.cpus().length} CPUs; anything else running on the machine shows up in the numbers.`,
  );
}

main()
  .catch((error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  })
  .finally(() => cleanUp());
