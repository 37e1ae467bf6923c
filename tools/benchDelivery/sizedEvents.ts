import { seededRandom } from '../seededRandom';

/**
 * Keeper events of a chosen size for the scaling table: the shape-A envelope fields, a unique `bench_seq`, and a
 * `note` of varied text padding the event to the size (~200 B has no note). Varied text, so compression sees
 * realistic bytes rather than a run of one letter.
 */

const CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-_/:';

export function sizedBodies(eventBytes: number, eventsPerPost: number, posts: number, seed = 7, firstSeq = 0): Buffer[] {
  const r = seededRandom(seed);
  const pool = Array.from({ length: 65_536 }, () => CHARS[Math.floor(r() * CHARS.length)]).join('');
  let time = Date.parse('2025-01-12T00:00:00.000Z');
  let seq = firstSeq;
  const bodies: Buffer[] = [];
  for (let p = 0; p < posts; p++) {
    const events: string[] = [];
    for (let e = 0; e < eventsPerPost; e++) {
      const event: Record<string, unknown> = {
        audit_event: 'open_record',
        remote_address: `10.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`,
        category: 'usage',
        client_version: 'Web App.16.11.2',
        username: `user${Math.floor(r() * 100_000)}@company.com`,
        enterprise_id: 6557,
        timestamp: new Date((time += 1 + Math.floor(r() * 1000))).toISOString(),
        bench_seq: seq++,
      };
      const base = JSON.stringify(event).length;
      const pad = eventBytes - base - ',"note":""'.length;
      if (pad > 0) {
        const at = Math.floor(r() * (pool.length - Math.min(pad, pool.length)));
        event.note = pad <= pool.length ? pool.slice(at, at + pad) : pool.repeat(Math.ceil(pad / pool.length)).slice(0, pad);
      }
      events.push(JSON.stringify(event));
    }
    bodies.push(Buffer.from(`[${events.join(',')}]`));
  }
  return bodies;
}
