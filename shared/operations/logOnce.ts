/**
 * "Once per cause": true the first time a key is seen in each window, so an outage that fails every request writes
 * one error line a minute, not one per request (the summary line and the metrics count the rest). Bounded keys.
 */
const MAX_KEYS = 1000;
const lastLogged = new Map<string, number>();

export function firstInWindow(key: string, windowMs = 60_000, now = Date.now()): boolean {
  const last = lastLogged.get(key);
  if (last !== undefined && now - last < windowMs) return false;
  if (lastLogged.size >= MAX_KEYS) lastLogged.clear();
  lastLogged.set(key, now);
  return true;
}
