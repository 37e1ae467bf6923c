import { describe, expect, it } from 'vitest';
import type { AckPair } from '../tools/bench/ackLatency';
import { ackRows } from '../tools/bench/ackReport';
import { ABNORMAL_FACTOR, AzuriteCostCheck, type RoundCost } from '../tools/bench/azuriteCost';
import type { SideResult } from '../tools/bench/sideResult';

/** A side of 100 operations with the given p99 latency and Azurite CPU per operation (synthetic: no timing). */
function side(p99Ms: number, azuriteMsPerOp: number): SideResult {
  const latencies = Array.from({ length: 100 }, (_, i) => (i >= 98 ? p99Ms : 5));
  return { latencies, failures: 0, elapsedMs: 1000, queued: 100, azuriteCpuMs: azuriteMsPerOp * 100 };
}

function pair(bareAzurite: number, relayAzurite: number): AckPair {
  const rounds: RoundCost[] = [
    { side: 'bare', round: 0, msPerOp: bareAzurite },
    { side: 'relay', round: 0, msPerOp: relayAzurite },
  ];
  return { bare: side(30, bareAzurite), relay: side(40, relayAzurite), rounds };
}

describe('bench trust: Azurite cost per write', () => {
  it('judges a round abnormal only beyond ABNORMAL_FACTOR x the usual cost, and the usual cost is the cheapest normal round', () => {
    const check = new AzuriteCostCheck(2);
    expect(check.isAbnormal(2 * ABNORMAL_FACTOR)).toBe(false);
    expect(check.isAbnormal(2 * ABNORMAL_FACTOR + 0.01)).toBe(true);
    check.observe(1.5);
    check.observe(60);
    expect(check.usualMsPerOp).toBe(1.5);
    expect(check.describe({ side: 'relay', round: 0, msPerOp: 60 })).toBe(
      'Azurite used 60.00 ms of CPU per queue write in relay round 1, 40.0x its usual 1.50 ms (threshold 5x)',
    );
  });

  it('lowers the usual cost when a cheaper round shows the calibration itself was abnormal', () => {
    const check = new AzuriteCostCheck(50);
    check.observe(45);
    expect(check.isAbnormal(45)).toBe(false);
    check.observe(2);
    expect(check.isAbnormal(45)).toBe(true);
  });

  it('prints the p99 difference when every round was usual, and says why not (target not met) when one was not', () => {
    const usual = new AzuriteCostCheck(2);
    const normal = ackRows({ ack: { paced: pair(2, 2.2), saturated: pair(2, 2), messageChars: 1024, azurite: usual }, concurrency: 50, ratePerSec: 200, post: 'post' });
    expect(normal.rows.find((r) => r[0] === 'Ack paced: relay p99 - bare p99')).toEqual(['Ack paced: relay p99 - bare p99', '10.0 ms', '≤ +20 ms', 'yes']);
    expect(normal.allMet).toBe(true);

    const abnormal = ackRows({ ack: { paced: pair(80, 2), saturated: pair(2, 2), messageChars: 1024, azurite: new AzuriteCostCheck(2) }, concurrency: 50, ratePerSec: 200, post: 'post' });
    const target = abnormal.rows.find((r) => r[0] === 'Ack paced: relay p99 - bare p99')!;
    expect(target[1]).toMatch(/^not meaningful: Azurite used 80\.00 ms of CPU per queue write in bare round 1, 40\.0x its usual 2\.00 ms/);
    expect(target[3]).toBe('NO');
    expect(abnormal.rows.find((r) => r[0]!.startsWith('Azurite CPU ms per queue write'))?.[3]).toBe('NO');
    expect(abnormal.allMet).toBe(false);
  });
});
