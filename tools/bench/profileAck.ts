import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startAzurite } from '../azurite';
import { bareSide, drained, queueClient, relayMessageTexts, relaySide, type AckSide } from './ackSides';
import { relayEnv } from './benchWorkspace';
import { keepAliveAgent } from './httpPost';
import { keeperBodies } from './keeperEvents';
import { loadRun, mean, percentile } from './loadRun';
import { pacedRun } from './pacedRun';
import { startRelayProcess } from './relayProcess';
import { withCpu } from './sideResult';

/**
 * Diagnostic, not part of `npm run bench`: where a relay post's ack time goes at a paced rate.
 *   node dist/tools/bench/profileAck.js [rate posts/s ...]      (default 200; BENCH_RELAY_PROFILE=cpu adds a CPU profile)
 * For each rate: bare queue writes, then relay posts, each paced for 10 s with 50 senders, as in the bench. For the
 * relay it prints the child's own timings (relayProfile) next to the latencies the senders saw, and for both the
 * load generator's event-loop delay, so a slow ack can be pinned on the relay's event loop, the queue write, GC,
 * or the load generator.
 */

const CONCURRENCY = 50;
const DURATION_MS = 10_000;

const round = (n: number) => Math.round(n * 10) / 10;

async function paced(side: AckSide, ratePerSec: number, pids: { relay?: number; azurite?: number }) {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const { result: r, ...cpu } = await withCpu(pids, () =>
    pacedRun({ concurrency: CONCURRENCY, ratePerSec, durationMs: DURATION_MS, prepare: side.prepare, send: (go) => go() }),
  );
  loop.disable();
  const l = r.latencies;
  const perOp = (ms: number | undefined) => (ms === undefined ? undefined : round(ms / l.length));
  return {
    sendersSaw: { n: l.length, p50: round(percentile(l, 50)), p99: round(percentile(l, 99)), max: round(l.at(-1) ?? NaN), mean: round(mean(l)), late: r.late, failures: r.failures },
    loadGeneratorLoopDelayMs: { p99: round(loop.percentile(99) / 1e6), max: round(loop.max / 1e6) },
    cpuMsPerOp: { senders: perOp(cpu.senderCpuMs), relay: perOp(cpu.relayCpuMs), azurite: perOp(cpu.azuriteCpuMs) },
    // Other load on the machine meanwhile, in % of one core: large values mean the run competed for CPU.
    otherProcessesPctOfCore: cpu.otherCpuMs === undefined ? undefined : Math.round((cpu.otherCpuMs / r.elapsedMs) * 100),
  };
}

async function main(): Promise<void> {
  const rates = process.argv.slice(2).map(Number);
  if (rates.length === 0) rates.push(200);
  if (rates.some((r) => !(r > 0))) throw new Error('usage: profileAck [rate posts/s ...], each rate a positive number');
  const azurite = await startAzurite();
  const bodies = keeperBodies(40);
  const env = relayEnv(azurite.connectionString, 'profile-relay', 'profile-relay-payloads');
  const relay = await startRelayProcess({ ...env, BENCH_RELAY_PROFILE: process.env.BENCH_RELAY_PROFILE || 'timings' });
  const agent = keepAliveAgent(CONCURRENCY);
  try {
    const sides = {
      bare: bareSide(queueClient(azurite.connectionString, 'profile-bare'), await relayMessageTexts(bodies)),
      relay: relaySide(queueClient(azurite.connectionString, 'profile-relay'), relay.url, bodies, agent, true),
    };
    for (const side of Object.values(sides)) await drained(side.queue);
    for (const side of Object.values(sides))
      await loadRun({ concurrency: CONCURRENCY, maxOps: 200, maxMs: 15_000, prepare: side.prepare, send: (go) => go() });
    for (const rate of rates) {
      for (const side of Object.values(sides)) await drained(side.queue);
      const pids = { relay: relay.pid, azurite: azurite.process.pid };
      const bare = await paced(sides.bare, rate, pids);
      await relay.ask('profile-reset');
      const relayRun = await paced(sides.relay, rate, pids);
      const inside = JSON.parse(await relay.ask('profile-dump')) as unknown;
      console.log(JSON.stringify({ rate, bare, relay: { ...relayRun, inside } }, null, 1));
    }
  } finally {
    agent.destroy();
    await relay.stop();
    await azurite.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
