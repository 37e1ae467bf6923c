import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../freePort';
import { stopChild } from '../stopChild';

export interface RelayProcess {
  url: string;
  pid: number | undefined;
  stop(): Promise<void>;
  /** Writes `command` to the child's stdin and resolves with the rest of its next stdout line starting "<command> ". */
  ask(command: string): Promise<string>;
}

/** Starts dist/tools/bench/relayServer.js in its own Node process with `env` added, and waits for READY. */
export async function startRelayProcess(env: Record<string, string>, timeoutMs = 20_000): Promise<RelayProcess> {
  const port = await freePort();
  const entry = path.join(__dirname, 'relayServer.js');
  // stdin is a pipe the child watches: if this process dies without cleaning up, the child exits too.
  const child = spawn(process.execPath, [entry, String(port)], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));

  const stop = () => stopChild(child, 3000);

  const lines = createInterface({ input: child.stdout });
  const ask = (command: string) =>
    new Promise<string>((resolve) => {
      const onLine = (line: string) => {
        if (!line.startsWith(`${command} `)) return;
        lines.off('line', onLine);
        resolve(line.slice(command.length + 1));
      };
      lines.on('line', onLine);
      child.stdin.write(`${command}\n`);
    });

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay child not ready within ${timeoutMs} ms: ${stderr.trim()}`)), timeoutMs);
    child.once('exit', (code) => reject(new Error(`relay child exited (${code}) before READY: ${stderr.trim()}`)));
    lines.on('line', (line) => {
      const m = /^READY (\S+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { url, pid: child.pid, stop, ask };
}
