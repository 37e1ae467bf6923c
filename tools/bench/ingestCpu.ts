import { createHmac } from 'node:crypto';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { createStorageHandoff } from '../../shared/handoff/handoff';
import { bodyToValues } from '../../shared/ingest/jsonBody';
import { createLegacyLogsHandler } from '../../shared/ingest/legacyIngest';
import { validateRecords } from '../../shared/ingest/recordValidation';
import { loadSettings } from '../../shared/settings/settings';
import { LEGACY_PATH, PRIMARY_KEY, keeperPostMeta, relayEnv, signedKeeperHeaders } from './benchWorkspace';
import { EVENTS_PER_POST } from './keeperEvents';
import { memoryStorage } from './memoryStorage';
import { timedLoop, type LoopResult, type LoopStep } from './timedLoop';

/** One measured loop: `events` went through in `ms` of measured time. */
export interface Throughput {
  events: number;
  ms: number;
}

export interface IngestCpuResult {
  baseline: Throughput;
  handler: Throughput;
  /** Parts of the handler timed on their own, to show where its time goes. */
  parseValidate: Throughput;
  handoff: Throughput;
  /** Average queue message size the hand-off produced (characters). */
  envelopeChars: number;
}

export interface IngestCpuOptions {
  runMs: number;
  warmupMs: number;
}

const throughput = (r: { iterations: number; measuredMs: number }): Throughput => ({
  events: r.iterations * EVENTS_PER_POST,
  ms: r.measuredMs,
});

/** The least any relay must do per post: decode and parse the JSON, and one HMAC-SHA256 over the body. */
function baselineStep(bodies: Buffer[]): { step: LoopStep<Buffer>; check(): void } {
  const key = Buffer.from(PRIMARY_KEY, 'base64');
  let sink = 0;
  return {
    step: {
      prepare: (i) => bodies[i % bodies.length]!,
      run: (body) => {
        const parsed = JSON.parse(body.toString('utf8')) as unknown[];
        const mac = createHmac('sha256', key).update(body).digest();
        sink += parsed.length + mac[0]!; // keeps V8 from discarding the work
      },
    },
    check: () => {
      if (sink === 0) throw new Error('baseline did no work');
    },
  };
}

interface HandlerInput {
  request: HttpRequest;
  context: InvocationContext;
}

/** The real handler with the real hand-off; only the storage write is in memory. */
function handlerStep(bodies: Buffer[]): { step: LoopStep<HandlerInput>; envelopeChars(): number } {
  const settings = loadSettings(relayEnv('UseDevelopmentStorage=true', 'bench-cpu', 'bench-cpu'));
  const storage = memoryStorage();
  const handle = createLegacyLogsHandler({ settings, handoff: createStorageHandoff(storage.clients) });
  const url = `http://127.0.0.1:7071${LEGACY_PATH}`;
  return {
    step: {
      // The request object and its signature are the sender's and the host's work: built outside the timer.
      prepare: (i) => {
        const body = bodies[i % bodies.length]!;
        const request = new HttpRequest({ method: 'POST', url, headers: signedKeeperHeaders(body), body: { bytes: body } });
        return { request, context: new InvocationContext() };
      },
      run: async ({ request, context }) => {
        const answer = await handle(request, context);
        if (answer.status !== 200) throw new Error(`handler answered ${answer.status}: ${JSON.stringify(answer.jsonBody)}`);
      },
    },
    envelopeChars: () => {
      if (storage.stats.blobs > 0) throw new Error(`${storage.stats.blobs} bodies went to blobs; the bench expects inline messages`);
      return storage.stats.messageChars / storage.stats.messages;
    },
  };
}

/**
 * Baseline and handler in alternating short rounds over the same bodies, so both see the same machine: on a shared
 * 2-core machine speed drifts by tens of percent within seconds, and back-to-back runs turned that drift into the
 * ratio.
 */
async function alternate(bodies: Buffer[], o: IngestCpuOptions): Promise<{ base: Throughput; full: Throughput; envelopeChars: number }> {
  const base = baselineStep(bodies);
  const full = handlerStep(bodies);
  await timedLoop(base.step, 0, o.warmupMs);
  await timedLoop(full.step, 0, o.warmupMs);
  const sums = { base: { iterations: 0, measuredMs: 0 }, full: { iterations: 0, measuredMs: 0 } };
  const roundMs = o.runMs / ROUNDS;
  const add = (sum: LoopResult, r: LoopResult) => ((sum.iterations += r.iterations), (sum.measuredMs += r.measuredMs));
  for (let round = 0; round < ROUNDS; round++) {
    add(sums.base, await timedLoop(base.step, roundMs, 0));
    add(sums.full, await timedLoop(full.step, roundMs, 0));
  }
  base.check();
  return { base: throughput(sums.base), full: throughput(sums.full), envelopeChars: full.envelopeChars() };
}

const ROUNDS = 8;

async function parseValidate(bodies: Buffer[], o: IngestCpuOptions): Promise<Throughput> {
  const result = await timedLoop(
    { prepare: (i) => bodies[i % bodies.length]!, run: (body) => validateRecords('Keeper', bodyToValues(body, 'json')) },
    o.runMs,
    o.warmupMs,
  );
  return throughput(result);
}

async function handoffOnly(bodies: Buffer[], o: IngestCpuOptions): Promise<Throughput> {
  const handoff = createStorageHandoff(memoryStorage().clients);
  const meta = keeperPostMeta(EVENTS_PER_POST, '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b');
  const result = await timedLoop(
    { prepare: (i) => bodies[i % bodies.length]!, run: (body) => handoff.enqueue(meta, body, 'json') },
    o.runMs,
    o.warmupMs,
  );
  return throughput(result);
}

/** Handler and baseline run in the same process, in alternating rounds, over the same bodies. */
export async function measureIngestCpu(bodies: Buffer[], o: IngestCpuOptions): Promise<IngestCpuResult> {
  const { base, full, envelopeChars } = await alternate(bodies, o);
  const part = { runMs: o.runMs / 2, warmupMs: o.warmupMs / 2 };
  return {
    baseline: base,
    handler: full,
    parseValidate: await parseValidate(bodies, part),
    handoff: await handoffOnly(bodies, part),
    envelopeChars,
  };
}
