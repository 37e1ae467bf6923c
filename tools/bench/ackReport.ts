import type { AckPair, AckResult } from './ackLatency';
import { ABNORMAL_FACTOR, MAX_RERUNS, type AzuriteCostCheck, type RoundCost } from './azuriteCost';
import { fmt, met } from './format';
import { mean, percentile } from './loadRun';
import type { SideResult } from './sideResult';

/** The ack-latency target (see the bench brief), checked on the paced pair only. */
export const MAX_ADDED_P99_MS = 20;

/** Where the CPU of one operation went: senders (this process), relay process, Azurite; and other load meanwhile. */
function cpuCell(side: SideResult): string {
  const ops = side.latencies.length + side.failures;
  const per = (ms: number | undefined) => (ms === undefined || ops === 0 ? 'n/a' : fmt(ms / ops, 2));
  // Other load as a share of one core over the run: with 2 cores, anything large here means the bench's own
  // processes were competing for CPU and its latencies include that wait.
  const other = side.otherCpuMs === undefined ? 'n/a' : `${fmt((side.otherCpuMs / side.elapsedMs) * 100)}% of a core`;
  return (
    `senders ${per(side.senderCpuMs)}, relay process ${per(side.relayCpuMs)}, Azurite ${per(side.azuriteCpuMs)}; ` +
    `other processes meanwhile ${other}`
  );
}

function latencyCell(side: SideResult, unit: string): string {
  const l = side.latencies;
  const rate = (l.length / side.elapsedMs) * 1000;
  // Late sends are those a paced sender could not make on time: many of them mean the rate was not sustained.
  const late = side.late === undefined ? '' : `, ${side.late} sent late`;
  const failed = side.failures ? `, ${side.failures} failed: ${side.firstFailure}` : '';
  return (
    `p50 ${fmt(percentile(l, 50), 1)} ms, p99 ${fmt(percentile(l, 99), 1)} ms, mean ${fmt(mean(l), 1)} ms, ` +
    `${fmt(rate)} ${unit}/s achieved (${l.length} in ${fmt(side.elapsedMs / 1000, 1)} s)${late}${failed}`
  );
}

const p99Added = (pair: AckPair) => percentile(pair.relay.latencies, 99) - percentile(pair.bare.latencies, 99);

/** The pair's p99 difference, or why it is not shown: a round in which Azurite, not the relay, was being measured. */
function addedCell(pair: AckPair, azurite: AzuriteCostCheck): { cell: string; meaningful: boolean } {
  const abnormal = pair.rounds.filter((r) => azurite.isAbnormal(r.msPerOp));
  if (abnormal.length === 0) return { cell: `${fmt(p99Added(pair), 1)} ms`, meaningful: true };
  return { cell: `not meaningful: ${azurite.describe(abnormal[0]!)}${abnormal.length > 1 ? ` (+${abnormal.length - 1} more)` : ''}`, meaningful: false };
}

/** Azurite's CPU per queue write: the usual cost, the spread over kept rounds, re-runs, and any abnormal round left. */
function azuriteRow(rounds: RoundCost[], azurite: AzuriteCostCheck): string[] {
  const costs = rounds.map((r) => r.msPerOp).filter((c) => c !== undefined);
  const usual = azurite.usualMsPerOp;
  if (usual === undefined || costs.length === 0) return ['Azurite CPU ms per queue write', 'n/a (needs /proc)', '', ''];
  const left = rounds.filter((r) => azurite.isAbnormal(r.msPerOp)).length;
  const max = Math.max(...costs);
  return [
    'Azurite CPU ms per queue write (usual = cheapest of calibration and rounds)',
    `usual ${fmt(usual, 2)}, rounds ${fmt(Math.min(...costs), 2)}-${fmt(max, 2)} (up to ${fmt(max / usual, 1)}x); ` +
      `${azurite.reruns} round(s) re-run (at most ${MAX_RERUNS} each); ${left} abnormal round(s) kept`,
    `≤ ${ABNORMAL_FACTOR}x usual`,
    met(left === 0),
  ];
}

export interface AckReportInput {
  ack: AckResult;
  concurrency: number;
  ratePerSec: number;
  /** How the relay's post is described, e.g. "250-event post (75.0 KiB)". */
  post: string;
}

/** The ack rows: the paced pair with the target, the saturated pair for information, then the delivery checks. */
export function ackRows({ ack, concurrency, ratePerSec, post }: AckReportInput): { rows: string[][]; allMet: boolean } {
  const { paced, saturated } = ack;
  const msg = `~${fmt(ack.messageChars / 1024, 1)} KiB, TTL -1`;
  const pacedLoad = `${concurrency} senders, ${fmt(ratePerSec)}/s offered`;
  const satLoad = `${concurrency} concurrent`;
  const pacedAdded = addedCell(paced, ack.azurite);
  const pacedOk = pacedAdded.meaningful && p99Added(paced) <= MAX_ADDED_P99_MS;
  const azuriteUsual = [...paced.rounds, ...saturated.rounds].every((r) => !ack.azurite.isAbnormal(r.msPerOp));

  const phases = [paced, saturated];
  const sent = (s: SideResult) => s.latencies.length;
  const relayAll200 = phases.every((p) => p.relay.failures === 0 && sent(p.relay) > 0);
  const landed = phases.every((p) => p.relay.queued === sent(p.relay) && p.bare.queued === sent(p.bare));
  const firstFailure = phases.map((p) => p.relay.firstFailure).find(Boolean);
  const answered = (p: AckPair) => `${sent(p.relay)} of ${sent(p.relay) + p.relay.failures}`;
  const queued = (p: AckPair) => `relay ${p.relay.queued} of ${sent(p.relay)}, bare ${p.bare.queued} of ${sent(p.bare)}`;

  const rows = [
    [`Ack paced: bare sendMessage (${msg}), ${pacedLoad}`, latencyCell(paced.bare, 'writes'), '', ''],
    ['  CPU ms per queue write', cpuCell(paced.bare), '', ''],
    [`Ack paced: relay ${post}, ${pacedLoad}`, latencyCell(paced.relay, 'posts'), '', ''],
    ['  CPU ms per post', cpuCell(paced.relay), '', ''],
    ['Ack paced: relay p99 - bare p99', pacedAdded.cell, `≤ +${MAX_ADDED_P99_MS} ms`, met(pacedOk)],
    [`Ack closed loop, saturated: capacity, bare sendMessage, ${satLoad}`, latencyCell(saturated.bare, 'writes'), '', ''],
    ['  CPU ms per queue write', cpuCell(saturated.bare), '', ''],
    [`Ack closed loop, saturated: capacity, relay post, ${satLoad}`, latencyCell(saturated.relay, 'posts'), '', ''],
    ['  CPU ms per post', cpuCell(saturated.relay), '', ''],
    ['Ack closed loop, saturated: relay p99 - bare p99', addedCell(saturated, ack.azurite).cell, 'info', ''],
    azuriteRow([...paced.rounds, ...saturated.rounds], ack.azurite),
    [
      'Ack: relay answers 200 (paced; saturated)',
      `${answered(paced)}; ${answered(saturated)}${firstFailure ? ` (first failure: ${firstFailure})` : ''}`,
      'all',
      met(relayAll200),
    ],
    [
      'Ack: queue messages landed (approximateMessagesCount)',
      `paced ${queued(paced)}; saturated ${queued(saturated)}`,
      '= acked',
      met(landed),
    ],
  ];
  return { rows, allMet: pacedOk && azuriteUsual && relayAll200 && landed };
}
