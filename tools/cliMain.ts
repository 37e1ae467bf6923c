import { storageHint } from './cliStorage';

/** A mistake in the command line: exit code 2 with a pointer to --help, never a stack trace. */
export class UsageError extends Error {}

/**
 * Runs an operator command's `main` and turns its outcome into the exit code: its own code, 2 for a UsageError,
 * 1 for anything else (with the storage hint, since these commands fail mostly on reaching storage).
 */
export function runCli(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      if (error instanceof UsageError) {
        console.error(`${name}: ${error.message}\nSee: npm run ${name} -- --help`);
        process.exitCode = 2;
        return;
      }
      console.error(`${name} failed: ${storageHint(error)}`);
      process.exitCode = 1;
    },
  );
}
