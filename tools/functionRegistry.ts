import { readdirSync } from 'node:fs';
import path from 'node:path';
import { app, type HttpFunctionOptions, type StorageQueueFunctionOptions, type TimerFunctionOptions } from '@azure/functions';

/**
 * Captures the app.* registrations of the function modules, so the local runner serves exactly the definitions
 * the Functions host would: same names, routes, methods, auth levels, queues and handlers.
 */
export interface Registrations {
  http: Array<{ name: string } & HttpFunctionOptions>;
  queue: Array<{ name: string } & StorageQueueFunctionOptions>;
  timer: Array<{ name: string } & TimerFunctionOptions>;
}

let captured: Promise<Registrations> | undefined;

/** Loads every module in functions/ (compiled .js, or .ts under vitest) once, recording what each registers. */
export function loadRegistrations(functionsDir = path.join(__dirname, '..', 'functions')): Promise<Registrations> {
  captured ??= (async () => {
    const registrations: Registrations = { http: [], queue: [], timer: [] };
    app.http = (name: string, options: HttpFunctionOptions) => void registrations.http.push({ name, ...options });
    app.storageQueue = <T>(name: string, options: StorageQueueFunctionOptions<T>) =>
      void registrations.queue.push({ name, ...(options as StorageQueueFunctionOptions) });
    app.timer = (name: string, options: TimerFunctionOptions) => void registrations.timer.push({ name, ...options });
    const ext = path.extname(__filename);
    const files = readdirSync(functionsDir).filter((f) => f.endsWith(ext) && !f.endsWith('.d.ts'));
    for (const file of files.sort()) await import(path.join(functionsDir, file));
    return registrations;
  })();
  return captured;
}
