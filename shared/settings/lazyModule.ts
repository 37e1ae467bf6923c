/**
 * Cold start: an Azure SDK costs 300-700 ms to load (identity, storage, monitor-ingestion), so the function entries
 * load each one on its first use instead of at import (issue 11 item 5; `npm run bench:cold` measures it).
 * `lazyModule(() => require('x') as typeof import('x'))` returns a getter: the first call loads, later calls reuse it.
 */
export function lazyModule<T>(load: () => T): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load());
}

/**
 * An object whose properties are built on first read (then plain, writable data properties), so callers keep the
 * shape they had (`storage.queue.sendMessage(...)`) while nothing is constructed before a request needs it.
 */
export function lazyProperties<T extends object>(build: { [K in keyof T]: () => T[K] }): T {
  const target = {} as T;
  for (const key of Object.keys(build) as Array<keyof T>) {
    const settle = (value: T[keyof T]) => {
      Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
      return value;
    };
    Object.defineProperty(target, key, {
      get: () => settle(build[key]()),
      set: settle,
      enumerable: true,
      configurable: true,
    });
  }
  return target;
}
