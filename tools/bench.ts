import os from 'node:os';
import { startAzurite } from './azurite';
import { measureAckLatency } from './bench/ackLatency';
import { codecTable } from './bench/codecCost';
import { measureIngestCpu } from './bench/ingestCpu';
import { EVENTS_PER_POST, commanderBodies, keeperBodies } from './bench/keeperEvents';
import { report } from './bench/report';
import { renderTable } from './bench/table';

/**
 * `npm run bench`: the relay's ingest cost and ack latency, each next to its baseline, measured in one run on this
 * machine (absolute numbers vary between machines; the ratios are what the targets are about). Not a test.
 *  1. CPU: the real legacy handler over signed 250-event Keeper posts, storage write in memory, vs JSON.parse + HMAC.
 *     Then the payload codecs the hand-off could use, per post (bench/codecCost.ts): why the relay uses Brotli 0.
 *  2. Latency: 50 concurrent senders posting to the relay (own process) backed by Azurite, vs bare queue writes:
 *     paced at a fixed offered rate both sides sustain (the target: what the relay adds to an ack), then closed
 *     loop (each side's saturation capacity on this machine, for information). Both sides' acks wait on Azurite,
 *     so Azurite's CPU per queue write is reported and each round is judged against its usual cost: an abnormal
 *     round (over 5x, see bench/azuriteCost.ts) is run again, at most twice, and if it stays abnormal the report
 *     says so in place of the relay-minus-bare difference.
 * Everything listens on 127.0.0.1 only; Azurite and the relay child are stopped on exit, error or Ctrl+C.
 */

const BODIES = 40;
const CPU = { runMs: 4000, warmupMs: 1500 };
const ACK = {
  concurrency: 50,
  warmupOps: 200,
  // The rate comes from BENCH_ACK_RATE (see ackRate).
  paced: { durationMs: 10_000, rounds: 2 },
  saturated: { maxOps: 3000, maxMs: 15_000, rounds: 3 },
};

/**
 * BENCH_ACK_RATE: the paced runs' total offered load, posts/s. The default of 200 is under both sides' closed-loop
 * capacity on a 2-core machine (~1,000 bare writes/s, ~500-600 relay posts/s), so both keep up with it; it is not
 * far under the relay's, though: at ~3 ms of relay CPU per post its one event loop is ~60% busy at 200/s, and posts
 * queue behind each other there (tools/bench/profileAck.ts shows where a post's time goes).
 */
function ackRate(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 200;
  const rate = Number(value);
  if (!Number.isFinite(rate) || rate <= 0) throw new Error(`BENCH_ACK_RATE must be a positive number of posts/s, got "${value}"`);
  return rate;
}

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
  const paced = { ...ACK.paced, ratePerSec: ackRate(process.env.BENCH_ACK_RATE) };
  const bodies = keeperBodies(BODIES);
  const bodyBytes = bodies.reduce((n, b) => n + b.length, 0) / bodies.length;
  console.log(
    `Node ${process.version}, ${os.cpus().length} CPUs. ${BODIES} distinct bodies of ${EVENTS_PER_POST} shape-A Keeper events, ` +
      `${Math.round(bodyBytes / EVENTS_PER_POST)} bytes/event.`,
  );

  console.log(`1/2 ingest CPU: baseline and handler, ${CPU.runMs / 1000} s each after ${CPU.warmupMs / 1000} s warm-up...`);
  const cpu = await measureIngestCpu(bodies, CPU);
  console.log('   payload codecs per post: encode, the storage SDK send (network left out), decode...');
  const codecs = await codecTable([
    { name: 'Keeper push', bodies },
    { name: 'Keeper Commander', bodies: commanderBodies(BODIES) },
    { name: 'Keeper push', bodies: bodies.map((b) => Buffer.from(JSON.stringify((JSON.parse(b.toString()) as unknown[]).slice(0, 10)))) },
  ]);

  const { saturated } = ACK;
  const perSender = (ACK.concurrency * 1000) / paced.ratePerSec;
  console.log(
    `2/2 ack latency: starting Azurite and the relay. Paced: ${paced.ratePerSec} posts/s in total ` +
      `(BENCH_ACK_RATE; each of ${ACK.concurrency} senders every ${Math.round(perSender)} ms), ${paced.durationMs / 1000} s ` +
      `per side in ${paced.rounds} alternating rounds. Then closed loop: up to ${saturated.maxOps} posts or ` +
      `${saturated.maxMs / 1000} s per side in ${saturated.rounds} alternating rounds...`,
  );
  // A stalled or abnormal Azurite is replaced (ackLatency.ts): the cleanup stops whichever one is current.
  let azurite = await startAzurite();
  cleanups.push(() => azurite.stop());
  const target = () => ({ connectionString: azurite.connectionString, pid: azurite.process.pid });
  const restartAzurite = async () => {
    await azurite.stop();
    azurite = await startAzurite();
    return target();
  };
  const ack = await measureAckLatency(target(), restartAzurite, bodies, { ...ACK, paced });

  const { table, allMet } = report({ cpu, ack, concurrency: ACK.concurrency, ackRate: paced.ratePerSec, bodyBytes });
  console.log(`\nPayload codecs (CPU µs per post, median of interleaved rounds; the relay uses Brotli q0):\n${renderTable(codecs.header, codecs.rows)}`);
  console.log(`\n${table}\n\nAll targets met: ${allMet ? 'yes' : 'no'}`);
  console.log(
    `Paced ack latencies are open loop: each sender sends on its own schedule whether or not answers are quick ` +
      `(a send is late only if the sender's previous one was still unanswered), so both sides face the same load. ` +
      `Closed-loop ack latencies are not a target: each of the ${ACK.concurrency} senders waits for its answer before ` +
      `sending again, so latency ≈ ${ACK.concurrency} / throughput, i.e. they compare CPU capacity. Azurite, the relay ` +
      `and this load generator share ${os.cpus().length} CPUs; anything else running on the machine shows up in the numbers.`,
  );
}

main()
  .catch((error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  })
  .finally(() => cleanUp());
