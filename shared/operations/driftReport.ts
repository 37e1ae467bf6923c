/**
 * Schema drift (properties a stream has no column for) is logged once per Log-Type, stream and property set; the
 * periodic summary counts the rest. Bounded: after MAX_SETS distinct sets, nothing more is remembered or logged.
 */
const MAX_SETS = 1000;
const seen = new Set<string>();

/** True the first time this Log-Type/stream shows this set of undeclared properties. */
export function isNewDrift(logType: string, stream: string, properties: Iterable<string>): boolean {
  const key = `${logType}|${stream}|${[...properties].sort().join(',')}`;
  if (seen.has(key) || seen.size >= MAX_SETS) return false;
  seen.add(key);
  return true;
}
