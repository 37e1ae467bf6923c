/** The Logs Ingestion API replaces a TimeGenerated more than 2 days old or 1 day ahead; so did the retired API. */
const MAX_AGE_MS = 2 * 24 * 60 * 60 * 1000;
const MAX_AHEAD_MS = 24 * 60 * 60 * 1000;

/** A time from an event field: ISO 8601 text, or epoch seconds / milliseconds. */
export function parseEventTime(value: unknown): Date | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
    // Keeper's CSV exports use epoch milliseconds, Commander's raw rows epoch seconds.
    const time = new Date(value > 1e11 ? value : value * 1000);
    // Past the last representable date (8.64e15 ms, year 275760) there is no time: the caller keeps the value as sent.
    return Number.isNaN(time.getTime()) ? undefined : time;
  }
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return new Date(ms);
  }
  return undefined;
}

/** Whether the service keeps `time` as TimeGenerated for a row received at `receivedAt`. */
export function inServiceWindow(time: Date, receivedAt: Date): boolean {
  const delta = time.getTime() - receivedAt.getTime();
  return delta >= -MAX_AGE_MS && delta <= MAX_AHEAD_MS;
}

/** The event's own time when it is inside the service's window around receipt, else the receive time. */
export function chooseTimeGenerated(candidate: unknown, receivedAt: Date): string {
  // Callers that parsed the time already pass the Date.
  const time = candidate instanceof Date ? candidate : parseEventTime(candidate);
  return time && inServiceWindow(time, receivedAt) ? time.toISOString() : receivedIso(receivedAt);
}

let lastReceivedAt: Date | undefined;
let lastReceivedIso = '';

/** A message's records share one receive time (the same Date): its ISO text is made once, not once per record. */
function receivedIso(receivedAt: Date): string {
  if (receivedAt !== lastReceivedAt) {
    lastReceivedAt = receivedAt;
    lastReceivedIso = receivedAt.toISOString();
  }
  return lastReceivedIso;
}
