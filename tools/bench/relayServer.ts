import { startLocalRunner } from '../localRunner';

/**
 * Child process of `npm run bench`: serves the relay's functions on 127.0.0.1:<argv[2]> in its own event loop,
 * so the load generator's CPU does not show up as relay latency. Settings come from the environment the parent
 * passes (the function modules read them at import). Prints "READY <url>" once listening.
 */
async function main(): Promise<void> {
  const port = Number(process.argv[2]);
  if (!Number.isInteger(port) || port <= 0) throw new Error('usage: relayServer <port>');
  const runner = await startLocalRunner(port, '127.0.0.1');
  // The parent holds our stdin open; when it goes away (even killed), stdin ends and we must not linger.
  process.stdin.on('end', () => void runner.close().finally(() => process.exit(0)));
  process.stdin.resume();
  process.once('SIGTERM', () => void runner.close().finally(() => process.exit(0)));
  console.log(`READY ${runner.url}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
