import type { AckResult } from './ackLatency';
import { ackRows } from './ackReport';
import { fmt, met } from './format';
import type { IngestCpuResult, Throughput } from './ingestCpu';
import { renderTable } from './table';

/** The CPU target (issue 11); the ack target lives with the ack rows (ackReport). */
export const MAX_CPU_RATIO = 2.5;

const perSecond = (t: Throughput) => (t.events / t.ms) * 1000;
const microsPerEvent = (t: Throughput) => (t.ms * 1000) / t.events;

function throughputCell(t: Throughput): string {
  return `${fmt(perSecond(t))} events/s, ${fmt(microsPerEvent(t), 2)} µs/event`;
}

export interface ReportInput {
  cpu: IngestCpuResult;
  ack: AckResult;
  concurrency: number;
  /** Offered rate of the paced ack runs, posts/s. */
  ackRate: number;
  bodyBytes: number;
}

/** Everything the targets depend on, in one table; a row per measurement, then a row per check. */
export function report({ cpu, ack, concurrency, ackRate, bodyBytes }: ReportInput): { table: string; allMet: boolean } {
  const ratio = microsPerEvent(cpu.handler) / microsPerEvent(cpu.baseline);
  const post = `250-event post (${fmt(bodyBytes / 1024, 1)} KiB)`;
  const acks = ackRows({ ack, concurrency, ratePerSec: ackRate, post });
  const rows = [
    ['Ingest: baseline JSON.parse + HMAC-SHA256 of body', throughputCell(cpu.baseline), '', ''],
    ['Ingest: legacy handler, in-memory hand-off', throughputCell(cpu.handler), '', ''],
    ['  part: bodyToValues + validateRecords', throughputCell(cpu.parseValidate), '', ''],
    [`  part: hand-off brotli q0+base64+envelope text (~${fmt(cpu.envelopeChars / 1024, 1)} KiB msg)`, throughputCell(cpu.handoff), '', ''],
    ['Ingest: handler / baseline (µs per event)', `${fmt(ratio, 2)}x`, `≤ ${MAX_CPU_RATIO}x`, met(ratio <= MAX_CPU_RATIO)],
    ...acks.rows,
  ];
  const table = renderTable(['Measurement', 'Result', 'Target', 'Met?'], rows);
  return { table, allMet: ratio <= MAX_CPU_RATIO && acks.allMet };
}
