import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { StallError, withDeadline } from '../bench/azuriteCost';
import type { DeliveryMode, WorkerCommand, WorkerReport } from './protocol';
import { stopChild } from '../stopChild';

export type WorkerResult = Extract<WorkerReport, { type: 'done' }>;

export interface WorkerChild {
  pid: number | undefined;
  /** Starts delivery and resolves when every message is done (or rejects on error, exit or timeout). */
  run(timeoutMs: number): Promise<WorkerResult>;
  stop(): Promise<void>;
}

/** Loading, building clients and (function mode) receiving the backlog into memory: seconds, unless Azurite stalled. */
const READY_DEADLINE_MS = 60_000;

/**
 * Forks worker.js with the relay's settings and waits until it is loaded and ready to start (StallError after
 * READY_DEADLINE_MS). `onStop` is registered before the wait, so a stalled child is still stopped.
 */
export async function startWorkerChild(
  env: Record<string, string>,
  mode: DeliveryMode,
  messages: number,
  warmupMessages: number,
  onStop: (stop: () => Promise<void>) => void,
  profileFile?: string,
): Promise<WorkerChild> {
  const child: ChildProcess = fork(path.join(__dirname, 'worker.js'), [], {
    env: {
      ...process.env,
      ...env,
      BENCH_DELIVERY_MODE: mode,
      BENCH_DELIVERY_MESSAGES: String(messages),
      BENCH_DELIVERY_WARMUP_MESSAGES: String(warmupMessages),
      ...(profileFile ? { BENCH_DELIVERY_PROFILE_FILE: profileFile } : {}),
    },
    // The relay's own log lines go to stderr, so stdout keeps only the bench's report.
    stdio: ['ignore', 2, 2, 'ipc'],
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) => reject(new Error(`delivery worker exited (${code ?? signal})`))),
  );
  exited.catch(() => undefined);
  const next = (type: WorkerReport['type']) =>
    Promise.race([
      exited,
      new Promise<WorkerReport>((resolve) => {
        const listener = (report: WorkerReport) => {
          if (report.type !== type && report.type !== 'error') return;
          child.off('message', listener);
          resolve(report);
        };
        child.on('message', listener);
      }),
    ]).then((report) => {
      if (report.type === 'error') throw new Error(`delivery worker failed: ${report.message}`);
      return report;
    });
  const stop = () => stopChild(child);
  onStop(stop);
  await withDeadline(next('ready'), READY_DEADLINE_MS, 'the delivery worker getting ready');

  return {
    pid: child.pid,
    stop,
    async run(timeoutMs) {
      const done = next('done') as Promise<WorkerResult>;
      child.send({ type: 'go' } satisfies WorkerCommand);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new StallError(`delivery did not finish within ${timeoutMs / 1000} s`)), timeoutMs);
      });
      try {
        return await Promise.race([done, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
