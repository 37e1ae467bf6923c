import type { ChildProcess } from 'node:child_process';

/**
 * Stops a child process the tools started: SIGTERM, then SIGKILL if it is still there after `killAfterMs`.
 * Resolves once it has exited (at once when it already had).
 */
export function stopChild(child: ChildProcess, killAfterMs = 5000): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), killAfterMs).unref();
  });
}
