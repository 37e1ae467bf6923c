import { gzipSync } from 'node:zlib';

/**
 * The floor any relay of these events pays, measured in this process on the same bodies: JSON.parse of each post,
 * JSON.stringify of each event, and one gzip per ~1 MB call body. No mapping, validation, durability or I/O, so the
 * delivery function's cost reads as a multiple of it (like the ingest bench's JSON.parse + HMAC floor).
 * Returns events per CPU-second, the best of `repeats` (the first warms the JIT).
 */
export function floorEventsPerCpuSec(bodies: Buffer[], repeats = 3): number {
  let best = 0;
  for (let r = 0; r < repeats; r++) {
    const start = process.cpuUsage();
    let events = 0;
    let parts: string[] = [];
    let bytes = 0;
    const flush = () => {
      if (parts.length > 0) gzipSync(`[${parts.join(',')}]`);
      parts = [];
      bytes = 0;
    };
    for (const body of bodies) {
      for (const record of JSON.parse(body.toString('utf8')) as unknown[]) {
        const text = JSON.stringify(record);
        if (bytes + text.length + 1 > 1_000_000) flush();
        parts.push(text);
        bytes += text.length + 1;
        events++;
      }
    }
    flush();
    const cpu = process.cpuUsage(start);
    best = Math.max(best, events / ((cpu.user + cpu.system) / 1e6));
  }
  return best;
}
