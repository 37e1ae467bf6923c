import { AsyncLocalStorage } from 'node:async_hooks';
import type { Server } from 'node:http';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import zlib from 'node:zlib';
import { QueueClient } from '@azure/storage-queue';
import { cpuProfileSummary, type CpuProfile } from './cpuProfileSummary';

/**
 * Opt-in instrumentation of the relay child (BENCH_RELAY_PROFILE=timings or cpu, driven by profileAck): where a
 * post's time goes inside the relay, without touching product code. Per request: from the sender's send
 * (x-bench-sent) to the 'request' event, from there to the body's last byte, the brotli call, the queue write
 * (QueueClient.sendMessage), and the answer's last byte handed to the kernel.
 * Process-wide: event-loop delay (time ready work waited for the loop: what queues a post behind another's CPU),
 * GC pauses, and a sampled CPU profile. The request's timings follow it into the handler via AsyncLocalStorage.
 */

interface RequestTimes {
  start: number;
  /** From the sender's x-bench-sent stamp to the 'request' event: the wait before the relay even sees the post. */
  arrivalMs: number;
  bodyMs?: number;
  compressMs: number;
  queueMs: number;
  /**
   * CPU the relay process used (on anything) while this request's queue write was outstanding. Near queueMs: the
   * answer waited for the relay's own busy event loop; far below it: the relay sat idle waiting for Azurite/the OS.
   */
  queueRelayCpuMs: number;
  totalMs?: number;
}

const current = new AsyncLocalStorage<RequestTimes>();

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** Times calls of `fn` (sync or promise-returning) into the current request's `field` (and `cpuField`). */
function timed<A extends unknown[], R>(
  fn: (...args: A) => R,
  field: 'compressMs' | 'queueMs',
  cpuField?: 'queueRelayCpuMs',
): (...args: A) => R {
  return function (this: unknown, ...args: A): R {
    const times = current.getStore();
    const t0 = performance.now();
    const cpu0 = cpuField ? cpuMs() : 0;
    const result = fn.apply(this, args);
    const done = () => {
      if (!times) return;
      times[field] += performance.now() - t0;
      if (cpuField) times[cpuField] += cpuMs() - cpu0;
    };
    if (result instanceof Promise) void result.then(done, done);
    else done();
    return result;
  };
}

function stats(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
  const round = (n: number) => Math.round(n * 100) / 100;
  return { n: s.length, p50: round(at(50)), p99: round(at(99)), max: round(at(100)), mean: round(s.reduce((a, b) => a + b, 0) / (s.length || 1)) };
}

export interface RelayProfile {
  reset(): Promise<void>;
  dump(): Promise<unknown>;
}

/** `withCpu`: also take a sampled CPU profile per window (the sampler costs the relay some CPU itself). */
export async function installRelayProfile(server: Server, withCpu: boolean): Promise<RelayProfile> {
  let requests: RequestTimes[] = [];
  const gc: number[] = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  new PerformanceObserver((list) => list.getEntries().forEach((e) => gc.push(e.duration))).observe({ entryTypes: ['gc'] });

  QueueClient.prototype.sendMessage = timed(QueueClient.prototype.sendMessage, 'queueMs', 'queueRelayCpuMs');
  // The hand-off compresses bodies up to 512 KiB synchronously (payloadCodec): the bench's posts take that path.
  zlib.brotliCompressSync = timed(zlib.brotliCompressSync, 'compressMs');

  // Prepended, so the context is entered before the runner's own listener starts the handler in the same emit.
  server.prependListener('request', (req, res) => {
    const start = performance.now();
    const sent = Number(req.headers['x-bench-sent']);
    const times: RequestTimes = { start, arrivalMs: sent ? performance.timeOrigin + start - sent : 0, compressMs: 0, queueMs: 0, queueRelayCpuMs: 0 };
    requests.push(times);
    current.enterWith(times);
    req.once('end', () => (times.bodyMs = performance.now() - times.start));
    res.once('finish', () => (times.totalMs = performance.now() - times.start));
  });

  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 250 });
  let profiling = false;

  return {
    async reset() {
      requests = [];
      gc.length = 0;
      loop.reset();
      if (profiling) await session.post('Profiler.stop');
      if (withCpu) await session.post('Profiler.start');
      profiling = withCpu;
    },
    async dump() {
      const profile = profiling ? ((await session.post('Profiler.stop')) as unknown as { profile: CpuProfile }).profile : undefined;
      profiling = false;
      const done = requests.filter((r) => r.totalMs !== undefined);
      const slowest = [...done].sort((a, b) => b.totalMs! - a.totalMs!).slice(0, Math.max(1, Math.ceil(done.length / 100)));
      const meanOf = (rs: RequestTimes[], f: (r: RequestTimes) => number) =>
        Math.round((rs.reduce((n, r) => n + f(r), 0) / (rs.length || 1)) * 100) / 100;
      const rest = (r: RequestTimes) => r.totalMs! - (r.bodyMs ?? 0) - r.compressMs - r.queueMs;
      const ns = (n: number) => Math.round(n / 1e4) / 100;
      return {
        requests: {
          arrivalMs: stats(done.map((r) => r.arrivalMs)),
          totalMs: stats(done.map((r) => r.totalMs!)),
          bodyMs: stats(done.map((r) => r.bodyMs ?? 0)),
          compressMs: stats(done.map((r) => r.compressMs)),
          queueMs: stats(done.map((r) => r.queueMs)),
          queueRelayCpuMs: stats(done.map((r) => r.queueRelayCpuMs)),
          restMs: stats(done.map(rest)),
        },
        slowestPercentMeans: {
          n: slowest.length,
          arrivalMs: meanOf(slowest, (r) => r.arrivalMs),
          totalMs: meanOf(slowest, (r) => r.totalMs!),
          bodyMs: meanOf(slowest, (r) => r.bodyMs ?? 0),
          compressMs: meanOf(slowest, (r) => r.compressMs),
          queueMs: meanOf(slowest, (r) => r.queueMs),
          queueRelayCpuMs: meanOf(slowest, (r) => r.queueRelayCpuMs),
          restMs: meanOf(slowest, rest),
        },
        eventLoopDelayMs: { p50: ns(loop.percentile(50)), p99: ns(loop.percentile(99)), max: ns(loop.max), mean: ns(loop.mean) },
        gcPausesMs: { ...stats(gc), totalMs: Math.round(gc.reduce((a, b) => a + b, 0)) },
        cpu: profile && cpuProfileSummary(profile),
      };
    },
  };
}
