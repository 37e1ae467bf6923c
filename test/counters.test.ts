import { describe, expect, it } from 'vitest';
import { mergeDestination } from '../shared/operations/instanceStatus';
import { isNewDrift } from '../shared/operations/driftReport';
import { firstInWindow } from '../shared/operations/logOnce';
import { METRICS } from '../shared/operations/metricNames';
import { createRelayCounters } from '../shared/operations/relayCounters';
import type { RelayMetrics } from '../shared/operations/relayMetrics';
import { summaryLine } from '../shared/operations/summaryLine';

function clock(start: string) {
  let t = Date.parse(start);
  return { now: () => new Date(t), advance: (ms: number) => void (t += ms) };
}

describe('relay counters', () => {
  it('sums counts, forwards every call to Application Insights under the shared metric name, and keeps the last hour per Log-Type', () => {
    const tracked: Array<[string, number, Record<string, string> | undefined]> = [];
    const metrics: RelayMetrics = { track: (name, value, props) => void tracked.push([name, value, props]), flush: async () => undefined };
    const c = clock('2026-11-29T10:00:00Z');
    const counters = createRelayCounters(metrics, c.now);
    counters.count('rowsDelivered', 100, { logType: 'Keeper', stream: 'S', workspaceId: 'w' });
    counters.count('deliveryLag', 2.5, { logType: 'Keeper', stream: 'S' });
    c.advance(30 * 60_000);
    counters.count('rowsDelivered', 50, { logType: 'Keeper', stream: 'S', workspaceId: 'w' });
    counters.count('requestsRefused', 1, { door: 'legacy', code: 'InvalidAuthorization', status: '403' });
    expect(tracked[0]).toEqual([METRICS.rowsDelivered.name, 100, { logType: 'Keeper', stream: 'S', workspaceId: 'w' }]);
    let snap = counters.snapshot();
    expect(snap.totals.rowsDelivered).toBe(150);
    expect(snap.totals.deliveryLag).toBe(0); // a sample, not a count
    expect(snap.rowsLastHour).toEqual([{ logType: 'Keeper', stream: 'S', rows: 150 }]);
    expect(snap.maxLagSecondsLastHour).toBe(2.5);
    expect(snap.refusedByCode).toEqual({ InvalidAuthorization: 1 });
    c.advance(31 * 60_000);
    snap = counters.snapshot();
    expect(snap.rowsLastHour).toEqual([{ logType: 'Keeper', stream: 'S', rows: 50 }]);
    expect(snap.totals.rowsDelivered).toBe(150);
  });

  it('records the configuration error of a destination until the next success', () => {
    const counters = createRelayCounters(undefined);
    counters.configurationError('S', '403', 'assign the role');
    expect(counters.snapshot().destinations).toEqual([{ stream: 'S', configurationError: expect.objectContaining({ status: '403', advice: 'assign the role' }) }]);
    counters.uploadSucceeded('S');
    expect(counters.snapshot().destinations[0]!.configurationError).toBeUndefined();
  });

  it('merges instances: the latest success wins, an error counts only if nothing succeeded after it', () => {
    const err = { status: '403', advice: 'x', at: '2026-11-29T10:00:00.000Z' };
    expect(mergeDestination({ stream: 'S', configurationError: err }, { stream: 'S', lastSuccessAt: '2026-11-29T10:01:00.000Z' })).toEqual({ stream: 'S', lastSuccessAt: '2026-11-29T10:01:00.000Z', configurationError: undefined });
    expect(mergeDestination({ stream: 'S', lastSuccessAt: '2026-11-29T09:00:00.000Z' }, { stream: 'S', configurationError: err })).toMatchObject({ configurationError: err });
  });
});

describe('summary line and log once', () => {
  it('says what moved in the period, with refusals by code and the backlog; nothing when nothing moved or waits', () => {
    const counters = createRelayCounters(undefined);
    const before = counters.snapshot();
    counters.count('requestsAccepted', 3);
    counters.count('recordsAccepted', 750);
    counters.count('requestsRefused', 1, { code: 'InvalidAuthorization' });
    counters.count('rowsDelivered', 1500);
    expect(summaryLine(before, counters.snapshot(), 5, { queued: 2, oldestSeconds: 1.4, poison: 0 })).toBe(
      'relay: last 5 s: accepted 3 requests (750 records), refused 1 (InvalidAuthorization 1), delivered 1,500 rows, deferred 0, poisoned 0, drift 0 values without a column; backlog 2 queued (oldest 1 s), 0 poison',
    );
    const now = counters.snapshot();
    expect(summaryLine(now, now, 5, { queued: 0, poison: 0 })).toBeUndefined();
    // Poison that just sits there while nothing flows: said once, when it changes, not every period.
    expect(summaryLine(now, now, 5, { queued: 0, poison: 2 }, { queued: 0, poison: 0 })).toMatch(/0 queued, 2 poison$/);
    expect(summaryLine(now, now, 5, { queued: 0, poison: 2 }, { queued: 0, poison: 2 })).toBeUndefined();
  });

  it('logs drift once per Log-Type, stream and property set, and an error once per window', () => {
    expect(isNewDrift('T1', 'S', ['b', 'a'])).toBe(true);
    expect(isNewDrift('T1', 'S', ['a', 'b'])).toBe(false);
    expect(isNewDrift('T1', 'S', ['a', 'b', 'c'])).toBe(true);
    expect(firstInWindow('k', 60_000, 0)).toBe(true);
    expect(firstInWindow('k', 60_000, 59_999)).toBe(false);
    expect(firstInWindow('k', 60_000, 60_000)).toBe(true);
  });
});
