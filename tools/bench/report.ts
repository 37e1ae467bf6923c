import type { AckResult } from './ackLatency';
import type { SideResult } from './sideResult';
import type { IngestCpuResult, Throughput } from './ingestCpu';
import { mean, percentile } from './loadRun';
import { renderTable } from './table';

/** The targets the bench checks (see the bench brief): CPU overhead and added ack latency. */
export const MAX_CPU_RATIO = 3;
export const MAX_ADDED_P99_MS = 20;

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const perSecond = (t: Throughput) => (t.events / t.ms) * 1000;
const microsPerEvent = (t: Throughput) => (t.ms * 1000) / t.events;
const met = (ok: boolean) => (ok ? 'yes' : 'NO');

function throughputCell(t: Throughput): string {
  return `${fmt(perSecond(t))} events/s, ${fmt(microsPerEvent(t), 2)} µs/event`;
}

/** Where the CPU of one operation went: senders (this process), relay process, Azurite. */
function cpuCell(side: SideResult): string {
  const ops = side.latencies.length + side.failures;
  const per = (ms: number | undefined) => (ms === undefined || ops === 0 ? 'n/a' : fmt(ms / ops, 2));
  return `senders ${per(side.senderCpuMs)}, relay process ${per(side.relayCpuMs)}, Azurite ${per(side.azuriteCpuMs)}`;
}

function latencyCell(side: SideResult): string {
  const l = side.latencies;
  const rate = (l.length / side.elapsedMs) * 1000;
  return `p50 ${fmt(percentile(l, 50), 1)} ms, p99 ${fmt(percentile(l, 99), 1)} ms, mean ${fmt(mean(l), 1)} ms, ${fmt(rate)} posts/s (${l.length} in ${fmt(side.elapsedMs / 1000, 1)} s)${
    side.failures ? `, ${side.failures} failed: ${side.firstFailure}` : ''
  }`;
}

export interface ReportInput {
  cpu: IngestCpuResult;
  ack: AckResult;
  concurrency: number;
  bodyBytes: number;
}

/** Everything the targets depend on, in one table; a row per measurement, then a row per check. */
export function report({ cpu, ack, concurrency, bodyBytes }: ReportInput): { table: string; allMet: boolean } {
  const ratio = microsPerEvent(cpu.handler) / microsPerEvent(cpu.baseline);
  const p99Added = percentile(ack.relay.latencies, 99) - percentile(ack.bare.latencies, 99);
  const sent = { bare: ack.bare.latencies.length, relay: ack.relay.latencies.length };
  const relayAll200 = ack.relay.failures === 0 && sent.relay > 0;
  const landed = ack.relay.queued === sent.relay && ack.bare.queued === sent.bare;
  const post = `250-event post (${fmt(bodyBytes / 1024, 1)} KiB)`;
  const rows = [
    ['Ingest: baseline JSON.parse + HMAC-SHA256 of body', throughputCell(cpu.baseline), '', ''],
    ['Ingest: legacy handler, in-memory hand-off', throughputCell(cpu.handler), '', ''],
    ['  part: bodyToValues + validateRecords', throughputCell(cpu.parseValidate), '', ''],
    [`  part: hand-off brotli+base64+JSON (~${fmt(cpu.envelopeChars / 1024, 1)} KiB msg)`, throughputCell(cpu.handoff), '', ''],
    ['Ingest: handler / baseline (µs per event)', `${fmt(ratio, 2)}x`, `≤ ${MAX_CPU_RATIO}x`, met(ratio <= MAX_CPU_RATIO)],
    [`Ack: bare sendMessage (~${fmt(ack.messageChars / 1024, 1)} KiB, TTL -1), ${concurrency} concurrent`, latencyCell(ack.bare), '', ''],
    ['  CPU ms per queue write', cpuCell(ack.bare), '', ''],
    [`Ack: relay ${post}, ${concurrency} concurrent`, latencyCell(ack.relay), '', ''],
    ['  CPU ms per post', cpuCell(ack.relay), '', ''],
    ['Ack: relay p99 - bare p99', `${fmt(p99Added, 1)} ms`, `≤ +${MAX_ADDED_P99_MS} ms`, met(p99Added <= MAX_ADDED_P99_MS)],
    [
      'Ack: relay answers 200',
      `${sent.relay} of ${sent.relay + ack.relay.failures}${ack.relay.firstFailure ? ` (first failure: ${ack.relay.firstFailure})` : ''}`,
      'all',
      met(relayAll200),
    ],
    [
      'Ack: queue messages landed (approximateMessagesCount)',
      `relay ${ack.relay.queued} of ${sent.relay}, bare ${ack.bare.queued} of ${sent.bare}`,
      '= acked',
      met(landed),
    ],
  ];
  const table = renderTable(['Measurement', 'Result', 'Target', 'Met?'], rows);
  return { table, allMet: ratio <= MAX_CPU_RATIO && p99Added <= MAX_ADDED_P99_MS && relayAll200 && landed };
}
