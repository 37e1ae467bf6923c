import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MAX_CALL_BYTES } from '../shared/delivery/uploadBatcher';
import { MAX_BODY_BYTES } from '../shared/ingest/requestBody';
import { MAX_RERUNS, superviseRound, type TrustedRound, ABNORMAL_FACTOR } from './bench/azuriteCost';
import { EVENTS_PER_POST, keeperBodies } from './bench/keeperEvents';
import { renderTable } from './bench/table';
import { superviseAzurite, type AzuriteSupervisor } from './benchDelivery/azuriteSupervisor';
import { prepareBacklog, type Backlog } from './benchDelivery/backlog';
import { floorEventsPerCpuSec } from './benchDelivery/floor';
import { summarizeProfile } from './benchDelivery/profileSummary';
import type { DeliveryMode } from './benchDelivery/protocol';
import { azuriteMsPerOpInRun, runDelivery, type RunResult } from './benchDelivery/runDelivery';
import { sizedBodies } from './benchDelivery/sizedEvents';
import { MAX_CONTENT_BYTES } from './logsIngestionEmulator/limits';

/**
 * `node dist/tools/benchDelivery.js` (after `npm run build`): how fast and how cheaply the relay's registered
 * `deliver` function drains backlogs into the Logs Ingestion emulator (HTTPS, own process), and how full its
 * upload calls are, everything measured in one run on this machine. Not a test; `npm run bench` runs it.
 *  1. 80 queue messages × 250 shape-A Keeper events (20,000 events of ~278 B), enqueued to Azurite through the
 *     relay's own hand-off, drained by a forked worker in two modes (protocol.ts), alternating, ROUNDS each:
 *     `function` (the registered handler on messages already in memory: the Node worker's CPU in Azure; the
 *     target row for CPU) and `trigger` (the local queue trigger receives and deletes too: the whole local drain;
 *     the target row for wall throughput and call size). Plus the floor (floor.ts) on the same events.
 *  2. 2,000 one-record messages in function mode (the target row), and 400 through the trigger.
 *  3. The scaling table: ~200 B / 2 KB / 20 KB events × posts of 1 / 10 / 250 / 5,000 events, each cell's backlog
 *     sized to SCALE_BUDGET_BYTES (at most SCALE_MAX_MESSAGES messages), one trigger run each.
 * Every run is checked (rows exactly the events posted, every relay_event_id present, queue empty, nothing
 * poisoned) and supervised (azuriteSupervisor.ts): a stalled run, or an Azurite abnormally dear during or right after it, is
 * re-run on a fresh Azurite at most twice, then shown as "not meaningful".
 * Each run first delivers a warm-up post (backlog.ts), so the figures are the steady state.
 * BENCH_DELIVERY_PROFILE=1 adds a profiled run of each mode and prints where the worker's CPU went (and the XML share);
 * BENCH_DELIVERY_QUICK=1 runs one round and a smaller scaling table (for trying changes).
 */

const QUICK = process.env.BENCH_DELIVERY_QUICK === '1';
const MAIN_MESSAGES = 80;
const ROUNDS = QUICK ? 1 : 3;
const ONE_RECORD_MESSAGES = 2_000;
/** Through the local trigger: Azurite's cost per receive and delete grows with the queue's depth (see the method note). */
const ONE_RECORD_TRIGGER_MESSAGES = 400;
const SCALE_EVENT_BYTES = [200, 2_000, 20_000];
const SCALE_POSTS = [1, 10, 250, 5_000];
const SCALE_BUDGET_BYTES = (QUICK ? 2 : 8) * 1024 * 1024;
const SCALE_MAX_MESSAGES = QUICK ? 100 : 400;
const TARGET = { eventsPerCpuSec: 40_000, eventsPerSec: 25_000, meanShare: 0.95, oneRecordPerSec: 2_500 };
const PARTIAL_SHARE = 0.9;

const cleanups: Array<() => Promise<void>> = [];
let interrupted = false;
async function cleanUp(): Promise<void> {
  for (const stop of cleanups.splice(0).reverse()) await stop().catch(() => undefined);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`benchDelivery interrupted (${signal}): stopping Azurite and the children`);
    void cleanUp().finally(() => process.exit(130));
  });
}

const n = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const met = (ok: boolean) => (ok ? 'yes' : 'NO');
const cpu = (ms: number | undefined) => (ms === undefined ? '?' : `${n(ms)} ms`);
const mb = (bytes: number) => `${n(bytes / 1_048_576, 1)} MB`;
const NOT_MEANINGFUL = 'not meaningful (Azurite stalled or abnormal, see above)';

let runNumber = 0;
const workspaceId = randomUUID();

async function supervised(sup: AzuriteSupervisor, backlog: Backlog, mode: DeliveryMode, what: string, profileDir?: string): Promise<TrustedRound<RunResult>> {
  console.log(`${what}...`);
  const round = await superviseRound(
    () => runDelivery({ azurite: sup.current(), workspaceId, backlog, mode, label: `bench-delivery-${++runNumber}`, profileDir, onCleanup: (s) => void cleanups.push(s) }),
    sup,
    (l) => console.log(l),
    azuriteMsPerOpInRun,
  );
  if (round.meaningful) console.log(line(round.result));
  else console.log(`  ${NOT_MEANINGFUL}: ${round.problems.join('; ')}`);
  return round;
}

function line(r: RunResult): string {
  return (
    `  ${r.mode}: ${n(r.eventsPerSec)} events/s, ${n(r.eventsPerCpuSec)} events/worker CPU-s, ${n(r.worker.elapsedMs)} ms, ` +
    `${r.emulator.acceptedCalls} calls of mean ${n(r.emulator.requestBytes.mean)} bytes, peak RSS ${mb(r.worker.maxRssBytes)}; ` +
    `CPU over the run: worker ${cpu(r.worker.cpuMs)}, emulator ${cpu(r.emulatorCpuMs)}, Azurite ${cpu(r.azuriteCpuMs)}, other processes ${cpu(r.otherCpuMs)}`
  );
}

/** The meaningful run with the median of `by` (lower median for an even count); undefined when none. */
function median(rounds: TrustedRound<RunResult>[], by: (r: RunResult) => number): RunResult | undefined {
  const ok = rounds.flatMap((r) => (r.meaningful ? [r.result] : [])).sort((a, b) => by(a) - by(b));
  return ok[Math.floor((ok.length - 1) / 2)];
}
function spread(rounds: TrustedRound<RunResult>[], by: (r: RunResult) => number): string {
  const values = rounds.flatMap((r) => (r.meaningful ? [by(r.result)] : []));
  const dropped = rounds.length - values.length;
  return `median of ${values.length}: ${n(Math.min(...values))}–${n(Math.max(...values))}${dropped ? `; ${dropped} not meaningful` : ''}`;
}
/** The fewest calls that can carry the run's bytes at MAX_CALL_BYTES each: a mean below 95% with this many calls is the last call's. */
const fewestCalls = (r: RunResult) => Math.ceil((r.emulator.requestBytes.mean * r.emulator.requestBytes.count) / MAX_CALL_BYTES);
const partialCalls = (r: RunResult) => r.emulator.requestBytes.tenths.slice(0, Math.round(PARTIAL_SHARE * 10)).reduce((a, b) => a + b, 0);
const callsCell = (r: RunResult) =>
  `${r.emulator.requestBytes.count} calls of mean ${n(r.emulator.requestBytes.mean / 1024)} KiB (${n((r.emulator.requestBytes.mean / MAX_CONTENT_BYTES) * 100, 1)}%), ${partialCalls(r)} below ${PARTIAL_SHARE * 100}%`;

async function main(): Promise<void> {
  const started = Date.now();
  // Warm-up: a whole backlog's worth, so the JIT has tiered up as in a worker that has run for a while (one post
  // left the measured CPU per event about 1.5x a steady worker's).
  const main = prepareBacklog(keeperBodies(MAIN_MESSAGES), keeperBodies(MAIN_MESSAGES, 4242), workspaceId);
  console.log(
    `Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? 'unknown'}), load average ${os.loadavg().map((l) => n(l, 1)).join(' ')}. ` +
      `Backlog: ${MAIN_MESSAGES} messages × ${EVENTS_PER_POST} shape-A Keeper events = ${n(main.events)} events, ${n(main.bytesPerEvent)} bytes/event as posted.`,
  );
  if (process.env.BENCH_DELIVERY_HOST) console.log(`EXPERIMENT: BENCH_DELIVERY_HOST=${process.env.BENCH_DELIVERY_HOST} overrides host.json; the targets are about the defaults.`);

  const floor = floorEventsPerCpuSec(main.bodies);
  console.log(`floor (JSON.parse + JSON.stringify + gzip per ~1 MB, this process): ${n(floor)} events/CPU-s`);
  const sup = await superviseAzurite();
  cleanups.push(() => sup.stop());
  console.log(`Azurite calibration: ${sup.calibration.map((c) => (c === undefined ? '?' : `${n(c, 2)} ms`)).join(', ')} of CPU per 1 KiB queue write`);

  // Alternating rounds, each mode's median reported: one run lasts 1-2 s, so a burst of other load on the machine
  // would otherwise decide the comparison.
  const rounds: Record<DeliveryMode, TrustedRound<RunResult>[]> = { function: [], trigger: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const mode of ['function', 'trigger'] as const) {
      rounds[mode].push(await supervised(sup, main, mode, `round ${round}/${ROUNDS}, ${mode === 'function' ? 'delivery function alone (messages in memory)' : 'local queue trigger'}`));
    }
  }

  const oneRecord: Backlog = prepareBacklog(
    keeperBodies(ONE_RECORD_MESSAGES / EVENTS_PER_POST).flatMap((b) => (JSON.parse(b.toString()) as unknown[]).map((e) => Buffer.from(JSON.stringify([e])))),
    keeperBodies(1, 4242),
    workspaceId,
  );
  const single = await supervised(sup, oneRecord, 'function', `${n(ONE_RECORD_MESSAGES)} one-record messages, delivery function alone (messages in memory)`);
  const singleTrigger = await supervised(
    sup,
    prepareBacklog(oneRecord.bodies.slice(0, ONE_RECORD_TRIGGER_MESSAGES), oneRecord.warmup, workspaceId),
    'trigger',
    `${n(ONE_RECORD_TRIGGER_MESSAGES)} one-record messages, local queue trigger`,
  );

  const scaling: string[][] = [];
  let notMeaningful = 0;
  for (const eventBytes of SCALE_EVENT_BYTES) {
    for (const perPost of SCALE_POSTS) {
      const postBytes = eventBytes * perPost;
      const cell = [`~${n(eventBytes)} B`, n(perPost)];
      if (postBytes > MAX_BODY_BYTES) {
        scaling.push([...cell, `refused by the door: a ${mb(postBytes)} post is over the ${mb(MAX_BODY_BYTES)} cap`, '', '', '', '', '']);
        continue;
      }
      const messages = Math.max(1, Math.min(SCALE_MAX_MESSAGES, Math.floor(SCALE_BUDGET_BYTES / postBytes)));
      // Warm-up: one post of the cell's event size, at most 250 events and ~1 MB, numbered apart from the cell's own.
      const warmEvents = Math.max(1, Math.min(EVENTS_PER_POST, Math.floor(1_048_576 / eventBytes)));
      const backlog = prepareBacklog(sizedBodies(eventBytes, perPost, messages), sizedBodies(eventBytes, warmEvents, 1, 99, 10_000_000), workspaceId);
      const r = await supervised(sup, backlog, 'trigger', `scaling: ${messages} posts × ${perPost} events of ~${eventBytes} B`);
      if (!r.meaningful) {
        notMeaningful++;
        scaling.push([...cell, `${n(messages)} × ${n(perPost)} = ${n(backlog.events)}`, NOT_MEANINGFUL, '', '', '', '']);
        continue;
      }
      const x = r.result;
      scaling.push([
        ...cell,
        `${n(messages)} × ${n(perPost)} = ${n(backlog.events)}`,
        n(x.eventsPerSec),
        n(x.eventsPerCpuSec),
        n((backlog.events * backlog.bytesPerEvent) / 1_048_576 / (x.worker.elapsedMs / 1000), 2),
        n(x.emulator.requestBytes.count),
        `${n(x.emulator.requestBytes.mean / 1024)} KiB`,
      ]);
    }
  }

  const fn = median(rounds.function, (r) => r.eventsPerCpuSec);
  const fnWall = median(rounds.function, (r) => r.eventsPerSec);
  const tr = median(rounds.trigger, (r) => r.eventsPerSec);
  const trCpu = median(rounds.trigger, (r) => r.eventsPerCpuSec);
  const us = (r: RunResult) => (r.worker.cpuMs * 1000) / r.events;
  const abnormalLeft = [...rounds.function, ...rounds.trigger, single, singleTrigger].filter((r) => !r.meaningful).length + notMeaningful;
  const table = renderTable(
    ['Measurement', 'Result', 'Target', 'Met?'],
    [
      [
        'TARGET: worker events per CPU-second, delivery function alone (registered handler on messages already in memory, real batcher, HTTPS to the emulator; what the Node worker spends in Azure)',
        fn ? `${n(fn.eventsPerCpuSec)} events/CPU-s = ${n(us(fn), 1)} µs/event (${spread(rounds.function, (r) => r.eventsPerCpuSec)})` : NOT_MEANINGFUL,
        `≥ ${n(TARGET.eventsPerCpuSec)}`,
        fn ? met(fn.eventsPerCpuSec >= TARGET.eventsPerCpuSec) : '?',
      ],
      [
        'Worker events per CPU-second, whole worker process with the local queue trigger (adds receive, lease and delete: storage SDK and XML parsing, the Functions host\'s work in Azure)',
        trCpu ? `${n(trCpu.eventsPerCpuSec)} events/CPU-s = ${n(us(trCpu), 1)} µs/event (${spread(rounds.trigger, (r) => r.eventsPerCpuSec)})${fn ? `; the trigger adds ${n(us(trCpu) - us(fn), 1)} µs/event` : ''}` : NOT_MEANINGFUL,
        'shown',
        '—',
      ],
      [
        'Baseline, same run: floor of any relay (JSON.parse + JSON.stringify + gzip per ~1 MB of the same events, no mapping, no I/O)',
        `${n(floor)} events/CPU-s = ${n(1e6 / floor, 1)} µs/event${fn ? `; the delivery function costs ${n(floor / fn.eventsPerCpuSec, 1)}x the floor` : ''}`,
        'baseline',
        '—',
      ],
      [
        'TARGET: wall throughput, 20,000-event backlog, local queue trigger (the whole local drain)',
        tr ? `${n(tr.eventsPerSec)} events/s (${spread(rounds.trigger, (r) => r.eventsPerSec)})` : NOT_MEANINGFUL,
        `≥ ${n(TARGET.eventsPerSec)} events/s`,
        tr ? met(tr.eventsPerSec >= TARGET.eventsPerSec) : '?',
      ],
      [
        'Wall throughput, same backlog, delivery function alone (messages in memory)',
        fnWall ? `${n(fnWall.eventsPerSec)} events/s (${spread(rounds.function, (r) => r.eventsPerSec)})` : NOT_MEANINGFUL,
        'shown',
        '—',
      ],
      [
        'TARGET: mean upload request, uncompressed, share of the 1 MB limit (median trigger run)',
        tr ? `${n(tr.emulator.requestBytes.mean)} bytes = ${n((tr.emulator.requestBytes.mean / MAX_CONTENT_BYTES) * 100, 1)}% of ${n(MAX_CONTENT_BYTES)} (${n((tr.emulator.requestBytes.mean / MAX_CALL_BYTES) * 100, 1)}% of the ${n(MAX_CALL_BYTES)} bytes a call carries); ${tr.emulator.requestBytes.count} calls where ${fewestCalls(tr)} is the fewest possible, ${partialCalls(tr)} partial (below ${PARTIAL_SHARE * 100}%), max ${n(tr.emulator.requestBytes.max)}` : NOT_MEANINGFUL,
        `≥ ${TARGET.meanShare * 100}%`,
        tr ? met(tr.emulator.requestBytes.mean >= TARGET.meanShare * MAX_CONTENT_BYTES) : '?',
      ],
      [
        `TARGET: one-record messages (${n(ONE_RECORD_MESSAGES)} × 1 event), delivery function alone (messages in memory, the host's batchSize/newBatchThreshold cadence)`,
        single.meaningful ? `${n(single.result.eventsPerSec)} events/s, ${n(single.result.eventsPerCpuSec)} events/CPU-s; ${callsCell(single.result)}` : NOT_MEANINGFUL,
        `≥ ${n(TARGET.oneRecordPerSec)} events/s`,
        single.meaningful ? met(single.result.eventsPerSec >= TARGET.oneRecordPerSec) : '?',
      ],
      [
        `One-record messages (${n(ONE_RECORD_TRIGGER_MESSAGES)} × 1 event), local queue trigger (receives and deletes in the worker)`,
        singleTrigger.meaningful ? `${n(singleTrigger.result.eventsPerSec)} events/s, ${n(singleTrigger.result.eventsPerCpuSec)} events/CPU-s; ${callsCell(singleTrigger.result)}; Azurite ${cpu(singleTrigger.result.azuriteCpuMs)} of CPU` : NOT_MEANINGFUL,
        'shown',
        '—',
      ],
      [
        'Peak RSS of the worker process (maxRSS over its life)',
        [fn && `function: ${mb(fn.worker.maxRssBytes)}`, tr && `trigger: ${mb(tr.worker.maxRssBytes)}`, single.meaningful && `one-record (function): ${mb(single.result.worker.maxRssBytes)}`].filter(Boolean).join(', '),
        'shown',
        '—',
      ],
      [
        'Bench trust: Azurite CPU per operation, during every run and in a probe of 1 KiB queue writes after it',
        `usual ${sup.check.usualMsPerOp === undefined ? '?' : `${n(sup.check.usualMsPerOp, 2)} ms`}; ${sup.check.reruns} run(s) re-run on a fresh Azurite (at most ${MAX_RERUNS} each); ${abnormalLeft} not meaningful`,
        `≤ ${ABNORMAL_FACTOR}x usual, no stall`,
        met(abnormalLeft === 0),
      ],
    ],
  );
  console.log(`\n${table}\n`);
  console.log(
    renderTable(['Event size', 'Events/post', 'Posts × events', 'Events/s', 'Events/worker CPU-s', 'MB/s (as posted)', 'Upload calls', 'Mean call'], scaling),
  );
  console.log(
    `\nMethod: every run gets a fresh emulator process and fresh queue; the backlog is enqueued through the relay's hand-off ` +
      `(Brotli envelopes inline, claim-check blobs over 64 KiB, as the doors write them) before a forked worker (functions/ ` +
      `loaded, clients built; function mode: messages received) is told to start; time runs until the last message was delivered ` +
      `(trigger: deleted). Then the emulator's rows are checked against the events posted (count, each event by its fields, ` +
      `every relay_event_id), the queue must be empty and nothing poisoned. Scaling cells: trigger mode, one run each, ` +
      `${mb(SCALE_BUDGET_BYTES)} of events per cell (at most ${SCALE_MAX_MESSAGES} posts, at least one). Worker, emulator and Azurite share ` +
      `${os.cpus().length} CPUs with whatever else runs (CPU per process on the lines above). ` +
      `Azurite (in memory) costs more per receive and delete the deeper the queue (measured: ~0.8 ms a message 100 deep, ` +
      `~6.5 ms 2,000 deep, ~24 ms 4,000 deep), so the trigger runs keep queues at most ${SCALE_MAX_MESSAGES} deep and the ` +
      `2,000 one-record messages run in function mode. Total ${n((Date.now() - started) / 1000, 1)} s.`,
  );

  if (process.env.BENCH_DELIVERY_PROFILE === '1') {
    const oneRecordTrigger = prepareBacklog(oneRecord.bodies.slice(0, ONE_RECORD_TRIGGER_MESSAGES), oneRecord.warmup, workspaceId);
    const profiles = [
      ['function', main, 'the 20,000-event backlog'],
      ['trigger', main, 'the 20,000-event backlog'],
      ['trigger', oneRecordTrigger, `${ONE_RECORD_TRIGGER_MESSAGES} one-record messages`],
    ] as const;
    for (const [mode, backlog, what] of profiles) {
      const profileDir = mkdtempSync(path.join(os.tmpdir(), `bench-delivery-profile-${mode}-`));
      const profiled = await supervised(sup, backlog, mode, `\nprofiled ${mode} run, ${what} (profiles in ${profileDir})`, profileDir);
      if (profiled.meaningful) console.log(`worker (over the run):\n${summarizeProfile(profiled.result.workerProfile!)}`);
    }
  }
}

main()
  .catch((error: unknown) => {
    // After Ctrl+C the children die first; their exits are not a failure worth a stack trace.
    if (interrupted) return;
    console.error(`benchDelivery failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  })
  .finally(() => cleanUp());
