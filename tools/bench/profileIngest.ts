import { Session } from 'node:inspector/promises';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { createStorageHandoff } from '../../shared/handoff/handoff';
import { createLegacyLogsHandler } from '../../shared/ingest/legacyIngest';
import { loadSettings } from '../../shared/settings/settings';
import { LEGACY_PATH, relayEnv, signedKeeperHeaders } from './benchWorkspace';
import { cpuProfileSummary, type CpuProfile } from './cpuProfileSummary';
import { commanderBodies, keeperBodies } from './keeperEvents';
import { memoryStorage } from './memoryStorage';
import { timedLoop } from './timedLoop';

/**
 * Diagnostic, not part of `npm run bench`: a sampled CPU profile of the legacy door (the real handler and hand-off,
 * storage write in memory) over signed 250-event posts, one workload at a time:
 *   node dist/tools/bench/profileIngest.js [seconds]     (default 4 per workload)
 * Workloads: Keeper push events (the bench's bodies), Keeper Commander rows (shape C), and the push bodies under a
 * generic Log-Type (the legacy SharedKey path without the Keeper check). Prints each one's top functions by self time.
 */

const WORKLOADS = [
  { name: 'Keeper push, Log-Type Keeper', bodies: () => keeperBodies(40), logType: 'Keeper' },
  { name: 'Keeper Commander, Log-Type Keeper', bodies: () => commanderBodies(40), logType: 'Keeper' },
  { name: 'generic legacy post, Log-Type AppLog', bodies: () => keeperBodies(40), logType: 'AppLog' },
];

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 4);
  const settings = loadSettings(relayEnv('UseDevelopmentStorage=true', 'profile-ingest', 'profile-ingest'));
  const handle = createLegacyLogsHandler({ settings, handoff: createStorageHandoff(memoryStorage().clients) });
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  for (const workload of WORKLOADS) {
    const bodies = workload.bodies();
    const step = {
      prepare: (i: number) => {
        const body = bodies[i % bodies.length]!;
        const headers = { ...signedKeeperHeaders(body), 'log-type': workload.logType };
        return new HttpRequest({ method: 'POST', url: `http://127.0.0.1:7071${LEGACY_PATH}`, headers, body: { bytes: body } });
      },
      run: async (request: HttpRequest) => {
        const answer = await handle(request, new InvocationContext());
        if (answer.status !== 200) throw new Error(`handler answered ${answer.status}: ${JSON.stringify(answer.jsonBody)}`);
      },
    };
    await timedLoop(step, 0, 1000);
    await session.post('Profiler.start');
    const loop = await timedLoop(step, seconds * 1000, 0);
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    const summary = cpuProfileSummary(profile, Number(process.env.TOP ?? 10));
    const bodyKiB = bodies.reduce((n, b) => n + b.length, 0) / bodies.length / 1024;
    console.log(`\n== ${workload.name}: ${bodyKiB.toFixed(1)} KiB/post, ${(loop.measuredMs / loop.iterations).toFixed(3)} ms/post (profiler on)`);
    for (const [i, f] of summary.topFunctions.entries()) console.log(`${String(i + 1).padStart(2)}. ${String(f.pct).padStart(5)}%  ${f.name}`);
    console.log('   by category: ' + summary.byCategory.slice(0, Number(process.env.CATS ?? 6)).map((c) => `${c.name} ${c.pct}%`).join(', '));
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
