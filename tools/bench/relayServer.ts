import { createInterface } from 'node:readline';
import { startLocalRunner } from '../localRunner';
import type { RelayProfile } from './relayProfile';

/**
 * Child process of `npm run bench`: serves the relay's functions on 127.0.0.1:<argv[2]> in its own event loop,
 * so the load generator's CPU does not show up as relay latency. Settings come from the environment the parent
 * passes (the function modules read them at import). Prints "READY <url>" once listening.
 * With BENCH_RELAY_PROFILE=timings or cpu (profileAck), stdin lines "profile-reset" and "profile-dump" start a measurement
 * window and print "profile-dump <json>" at its end; without it the relay runs uninstrumented.
 */
async function main(): Promise<void> {
  const port = Number(process.argv[2]);
  if (!Number.isInteger(port) || port <= 0) throw new Error('usage: relayServer <port>');
  // BENCH_RELAY_QUEUES=1 (the memory bench): the queue trigger runs too, delivering what the doors accept.
  const runner = await startLocalRunner({ port, queues: process.env.BENCH_RELAY_QUEUES === '1' });
  // Loaded only when asked for, so a plain bench run's relay carries none of the instrumentation.
  const profile: RelayProfile | undefined = process.env.BENCH_RELAY_PROFILE
    ? await (await import('./relayProfile.js')).installRelayProfile(runner.server, process.env.BENCH_RELAY_PROFILE === 'cpu')
    : undefined;
  // The parent holds our stdin open; when it goes away (even killed), stdin ends and we must not linger.
  process.stdin.on('end', () => void runner.close().finally(() => process.exit(0)));
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'profile-reset') void profile?.reset().then(() => console.log('profile-reset ok'));
    if (line === 'profile-dump') void profile?.dump().then((d) => console.log(`profile-dump ${JSON.stringify(d)}`));
  });
  process.once('SIGTERM', () => void runner.close().finally(() => process.exit(0)));
  console.log(`READY ${runner.url}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
