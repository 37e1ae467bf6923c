import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fmt, met } from './format';
import { renderTable } from './table';

/** The issue-11 target: a fresh process that imports one function entry exits within this many ms (median). */
export const COLD_START_TARGET_MS = 300;

export interface ColdStartResult {
  /** The entry's file name under dist/functions/, e.g. `legacyLogs.js`. */
  entry: string;
  /** Wall time of each fresh `node -e "require(<entry>)"` process, spawn to exit, ms. */
  samplesMs: number[];
  medianMs: number;
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * The app settings a Function App would have: local.settings.sample.json's Values, but with the production identity
 * path (no development credential, no emulator CA file), so the import does what it does in Azure.
 */
export function coldStartEnv(root: string): NodeJS.ProcessEnv {
  const sample = JSON.parse(readFileSync(path.join(root, 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> };
  const { RELAY_INGESTION_CA_FILE: _ca, RELAY_CREDENTIAL: _credential, ...values } = sample.Values;
  return { PATH: process.env.PATH, ...values };
}

/** Wall ms of one fresh Node process running `script` in `root`; throws with its stderr if it fails. */
function timeProcess(script: string, root: string, env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, ['-e', script], { cwd: root, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`node -e "${script}" failed (${run.status ?? run.signal}): ${run.stderr.trim().slice(-600)}`);
  return ms;
}

/**
 * Median wall time of `runs` fresh processes per entry of dist/functions (plus a bare `node -e 0` for Node's own
 * start-up). Runs go round-robin over the entries, one process at a time, so background load on the machine falls
 * on every entry alike rather than on whichever ran during a busy moment.
 */
export function measureColdStart(root: string, runs: number): { entries: ColdStartResult[]; bareNode: ColdStartResult } {
  const env = coldStartEnv(root);
  const entries = readdirSync(path.join(root, 'dist', 'functions')).filter((f) => f.endsWith('.js')).sort();
  const scripts = [...entries.map((e) => `require('./dist/functions/${e}')`), '0'];
  const samples = scripts.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) scripts.forEach((script, s) => samples[s]!.push(timeProcess(script, root, env)));
  const results = scripts.map((_, s) => ({ entry: entries[s] ?? 'node -e 0', samplesMs: samples[s]!, medianMs: median(samples[s]!) }));
  return { entries: results.slice(0, -1), bareNode: results.at(-1)! };
}

/** One row per entry: median, min-max, and the target; plus Node's bare start-up for reference. */
export function coldStartTable({ entries, bareNode }: ReturnType<typeof measureColdStart>, runs: number): { table: string; allMet: boolean } {
  const range = (r: ColdStartResult) => `${fmt(Math.min(...r.samplesMs))}-${fmt(Math.max(...r.samplesMs))}`;
  const rows = entries.map((r) => [`Cold import: ${r.entry}`, `${fmt(r.medianMs)} ms`, range(r), `≤ ${COLD_START_TARGET_MS} ms`, met(r.medianMs <= COLD_START_TARGET_MS)]);
  rows.push(['  for reference: bare node -e 0', `${fmt(bareNode.medianMs)} ms`, range(bareNode), '', '']);
  const table = renderTable(['Measurement', `Median of ${runs}`, 'Min-max ms', 'Target', 'Met?'], rows);
  return { table, allMet: entries.every((r) => r.medianMs <= COLD_START_TARGET_MS) };
}
