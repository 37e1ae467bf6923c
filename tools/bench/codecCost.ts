import { performance } from 'node:perf_hooks';
import zlib from 'node:zlib';
import { QueueClient, StorageSharedKeyCredential } from '@azure/storage-queue';
import { MAX_QUEUE_MESSAGE_BYTES } from '../../shared/handoff/handoff';
import { keeperPostMeta } from './benchWorkspace';
import { EVENTS_PER_POST } from './keeperEvents';

/**
 * What each candidate payload codec costs per 250-event post and what message it makes: the CPU to encode the
 * body into the queue message text (compress + base64 + the envelope's JSON.stringify, as the hand-off does) and
 * to decode it again (delivery's side), and the message's size against the 64 KiB queue limit.
 */

export interface CodecCandidate {
  name: string;
  /** The payload's `data` text for this body, or undefined when this codec does not store it inline. */
  encode(body: Buffer): string;
  decode(data: string): Buffer;
}

const b64 = (bytes: Buffer) => bytes.toString('base64');
const brotli = (quality: number): CodecCandidate => {
  const params = { [zlib.constants.BROTLI_PARAM_QUALITY]: quality, [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT };
  return {
    name: `brotli q${quality}`,
    encode: (body) => b64(zlib.brotliCompressSync(body, { params })),
    decode: (data) => zlib.brotliDecompressSync(Buffer.from(data, 'base64')),
  };
};
const gzip = (level: number): CodecCandidate => ({
  name: `gzip ${level}`,
  encode: (body) => b64(zlib.gzipSync(body, { level })),
  decode: (data) => zlib.gunzipSync(Buffer.from(data, 'base64')),
});
const none: CodecCandidate = { name: 'none (raw text)', encode: (body) => body.toString('utf8'), decode: (data) => Buffer.from(data, 'utf8') };

export const CODEC_CANDIDATES: CodecCandidate[] = [none, gzip(1), gzip(6), brotli(0), brotli(1), brotli(4), brotli(6), brotli(11)];

export interface CodecRow {
  name: string;
  /** Encoding CPU per post, µs (compression, base64 and the envelope's JSON text). */
  encodeUs: number;
  /**
   * The storage SDK's sendMessage of that message, network left out: CPU per post, µs, and the request's bytes. It
   * writes the text into XML (`<QueueMessage><MessageText>`, @azure/core-xml), escaping every `"`, `'`, `&`, `<`
   * and `>` as an entity: a JSON text grows by 5 bytes per quote, base64 not at all.
   */
  sdkUs: number;
  requestBytes: number;
  decodeUs: number;
  /** Mean queue message bytes (UTF-8 of the envelope text). */
  messageBytes: number;
  /** Posts whose message exceeds the 64 KiB limit (they would go to a claim-check blob). */
  overLimit: number;
}

const PUT_MESSAGE_ANSWER =
  '<?xml version="1.0" encoding="utf-8"?><QueueMessagesList><QueueMessage><MessageId>5974b586-0df3-4e2d-ad0c-18e3892bfca2</MessageId>' +
  '<InsertionTime>Fri, 09 Oct 2009 21:04:30 GMT</InsertionTime><ExpirationTime>Fri, 31 Dec 9999 23:59:59 GMT</ExpirationTime>' +
  '<PopReceipt>YzQ4Yzg1MDItYTc0Ny00OWNjLTkxYTUtZGM0MDFiZDAwYzEw</PopReceipt><TimeNextVisible>Fri, 09 Oct 2009 23:29:20 GMT</TimeNextVisible>' +
  '</QueueMessage></QueueMessagesList>';

/**
 * The real QueueClient with the network left out: its pipeline (XML serialisation of the message, SharedKey
 * signing, the answer's XML parse) runs and a stub HTTP client answers 201. `lastRequestBytes` is what would go on
 * the wire.
 */
export function offlineQueueClient(): { client: QueueClient; lastRequestBytes: () => number } {
  let bytes = 0;
  const headers = { 'content-type': 'application/xml' };
  // The storage SDK's httpClient seam is the older core-http RequestPolicy shape: a WebResource in, its response out.
  const httpClient = {
    sendRequest: async (request: { body?: unknown }) => {
      bytes = typeof request.body === 'string' ? Buffer.byteLength(request.body) : 0;
      return { request, status: 201, headers: { toJson: () => headers, get: (n: string) => headers[n as 'content-type'] }, bodyAsText: PUT_MESSAGE_ANSWER };
    },
  };
  const credential = new StorageSharedKeyCredential('devstoreaccount1', Buffer.alloc(64, 1).toString('base64'));
  const client = new QueueClient('http://127.0.0.1:1/devstoreaccount1/codec-bench', credential, { httpClient: httpClient as never, retryOptions: { maxTries: 1 } });
  return { client, lastRequestBytes: () => bytes };
}

async function cpuPerCallAsync(count: number, fn: (i: number) => Promise<unknown>, ms: number): Promise<number> {
  for (let i = 0; i < Math.min(count, 20); i++) await fn(i);
  const c0 = cpuUs();
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end || n < count) await fn(n++ % count);
  return (cpuUs() - c0) / n;
}

function envelopeText(data: string, encoding: string): string {
  return JSON.stringify({ v: 1, ...keeperPostMeta(EVENTS_PER_POST, '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b'), payload: { kind: 'inline', encoding, format: 'json', data } });
}

function cpuUs(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Runs `fn` over the bodies round-robin for about `ms`; returns CPU µs per call. */
function cpuPerCall(count: number, fn: (i: number) => unknown, ms: number): number {
  for (let i = 0; i < Math.min(count, 20); i++) fn(i);
  const c0 = cpuUs();
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end || n < count) fn(n++ % count);
  return (cpuUs() - c0) / n;
}

/** A candidate's messages for a set of bodies, checked to round-trip, with what does not depend on timing. */
interface Prepared {
  candidate: CodecCandidate;
  texts: string[];
  datas: string[];
  queue: ReturnType<typeof offlineQueueClient>;
  row: Pick<CodecRow, 'name' | 'messageBytes' | 'requestBytes' | 'overLimit'>;
}

async function prepare(candidate: CodecCandidate, bodies: Buffer[]): Promise<Prepared> {
  const datas = bodies.map((b) => candidate.encode(b));
  for (const [i, data] of datas.entries()) if (!candidate.decode(data).equals(bodies[i]!)) throw new Error(`${candidate.name} does not round-trip`);
  const texts = datas.map((d) => envelopeText(d, candidate.name));
  const sizes = texts.map((t) => Buffer.byteLength(t));
  const queue = offlineQueueClient();
  let requestBytes = 0;
  for (const text of texts) {
    await queue.client.sendMessage(text, { messageTimeToLive: -1 });
    requestBytes += queue.lastRequestBytes();
  }
  const row = {
    name: candidate.name,
    messageBytes: sizes.reduce((a, b) => a + b, 0) / sizes.length,
    requestBytes: requestBytes / texts.length,
    overLimit: sizes.filter((n) => n > MAX_QUEUE_MESSAGE_BYTES).length,
  };
  return { candidate, texts, datas, queue, row };
}

/** One short timing round of a prepared candidate: encode, SDK send and decode CPU per post, µs. */
async function timingRound({ candidate, texts, datas, queue }: Prepared, bodies: Buffer[], ms: number) {
  return {
    encodeUs: cpuPerCall(bodies.length, (i) => Buffer.byteLength(envelopeText(candidate.encode(bodies[i]!), candidate.name)), ms),
    sdkUs: await cpuPerCallAsync(texts.length, (i) => queue.client.sendMessage(texts[i]!, { messageTimeToLive: -1 }), ms),
    decodeUs: cpuPerCall(bodies.length, (i) => candidate.decode(datas[i]!), ms),
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * Every candidate over the same bodies in interleaved short rounds (the median of each figure is kept), so drift
 * in the machine's speed, which on a shared 2-core machine is tens of percent within seconds, hits all alike.
 */
export async function measureCodecs(candidates: CodecCandidate[], bodies: Buffer[], { rounds = 5, roundMs = 150 } = {}): Promise<CodecRow[]> {
  const prepared = await Promise.all(candidates.map((c) => prepare(c, bodies)));
  const samples = prepared.map(() => ({ encodeUs: [] as number[], sdkUs: [] as number[], decodeUs: [] as number[] }));
  for (let round = 0; round < rounds; round++) {
    for (const [i, p] of prepared.entries()) {
      const t = await timingRound(p, bodies, roundMs);
      samples[i]!.encodeUs.push(t.encodeUs);
      samples[i]!.sdkUs.push(t.sdkUs);
      samples[i]!.decodeUs.push(t.decodeUs);
    }
  }
  return prepared.map((p, i) => ({ ...p.row, encodeUs: median(samples[i]!.encodeUs), sdkUs: median(samples[i]!.sdkUs), decodeUs: median(samples[i]!.decodeUs) }));
}

/**
 * "Raw when it fits": the body as text when the envelope fits one message, else `fallback`. Measured as the
 * hand-off would run it: the raw envelope is built and sized first, then compressed when over.
 */
export function rawWhenItFits(fallback: CodecCandidate): CodecCandidate {
  return {
    name: `raw when it fits, else ${fallback.name}`,
    encode(body) {
      // A body longer than a message cannot fit as text: compressed without trying.
      if (body.length > MAX_QUEUE_MESSAGE_BYTES) return fallback.encode(body);
      const raw = none.encode(body);
      if (Buffer.byteLength(envelopeText(raw, 'utf8')) <= MAX_QUEUE_MESSAGE_BYTES) return raw;
      return fallback.encode(body);
    },
    decode: (data) => (data.startsWith('[') || data.startsWith('{') ? none.decode(data) : fallback.decode(data)),
  };
}

/** The codec table `npm run bench` prints: one row per candidate and workload. */
export async function codecTable(workloads: Array<{ name: string; bodies: Buffer[] }>, timing?: { rounds?: number; roundMs?: number }): Promise<{ header: string[]; rows: string[][] }> {
  const rows: string[][] = [];
  for (const { name, bodies } of workloads) {
    const kib = bodies.reduce((n, b) => n + b.length, 0) / bodies.length / 1024;
    const records = (JSON.parse(bodies[0]!.toString()) as unknown[]).length;
    const candidates = [...CODEC_CANDIDATES, rawWhenItFits(CODEC_CANDIDATES[3]!)];
    for (const r of await measureCodecs(candidates, bodies, timing)) {
      rows.push([
        `${name}, ${records} records (${kib.toFixed(1)} KiB)`,
        r.name,
        r.encodeUs.toFixed(0),
        r.sdkUs.toFixed(0),
        (r.encodeUs + r.sdkUs).toFixed(0),
        r.decodeUs.toFixed(0),
        (r.messageBytes / 1024).toFixed(1),
        (r.requestBytes / 1024).toFixed(1),
        r.overLimit === 0 ? 'yes' : `NO (${r.overLimit}/${bodies.length} over)`,
      ]);
    }
  }
  return {
    header: ['Post', 'Codec', 'Encode µs', 'SDK send µs', 'Door total µs', 'Decode µs', 'Message KiB', 'Request KiB', 'Fits 64 KiB?'],
    rows,
  };
}
