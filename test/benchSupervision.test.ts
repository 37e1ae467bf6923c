import { describe, expect, it } from 'vitest';
import { AzuriteCostCheck, MAX_RERUNS, StallError, superviseRound, withDeadline, type RoundSupervisor } from '../tools/bench/azuriteCost';

/** A supervisor whose probe answers the given costs in turn (synthetic: no Azurite, no timing). */
function supervisor(probeCosts: number[]): RoundSupervisor & { restarts: number } {
  const s = {
    check: new AzuriteCostCheck(1),
    restarts: 0,
    probe: async () => probeCosts.shift() ?? 1,
    restart: async () => void s.restarts++,
  };
  return s;
}
const quiet = () => undefined;

describe('bench supervision (a stalled or abnormal Azurite round is re-run, then not meaningful)', () => {
  it('reports a work that never settles as a StallError naming it', async () => {
    await expect(withDeadline(new Promise(() => undefined), 1, 'reading the queue')).rejects.toThrow(StallError);
    await expect(withDeadline(new Promise(() => undefined), 1, 'reading the queue')).rejects.toThrow(/reading the queue did not finish/);
  });

  it('re-runs a stalled round on a fresh Azurite and keeps the first trusted result', async () => {
    const s = supervisor([]);
    let attempts = 0;
    const round = await superviseRound(async () => {
      if (++attempts < 3) throw new StallError('delivery did not finish');
      return 'figures';
    }, s, quiet);
    expect(round).toEqual({ meaningful: true, result: 'figures', attempts: 3 });
    expect(s.restarts).toBe(2);
    expect(s.check.reruns).toBe(2);
  });

  it('gives up after MAX_RERUNS re-runs and says why each attempt was not trusted', async () => {
    const s = supervisor([50, 50, 1]);
    let n = 0;
    const round = await superviseRound(async () => ++n, s, quiet, (r) => (r === 3 ? 40 : undefined));
    expect(round.meaningful).toBe(false);
    if (round.meaningful) return;
    expect(round.attempts).toBe(MAX_RERUNS + 1);
    expect(round.problems).toHaveLength(3);
    expect(round.problems[0]).toMatch(/probe operation after the round/);
    expect(round.problems[1]).toMatch(/probe operation after the round/);
    expect(round.problems[2]).toMatch(/during the round/);
    expect(s.check.reruns).toBe(MAX_RERUNS);
  });

  it('says whether Azurite or the measured side stalled', async () => {
    const s = { ...supervisor([]), probe: async () => Promise.reject(new StallError('probe did not finish')) };
    const round = await superviseRound(async () => Promise.reject(new StallError('delivery did not finish')), s, quiet);
    expect(round.meaningful).toBe(false);
    if (!round.meaningful) expect(round.problems[0]).toBe('delivery did not finish; Azurite does not answer the probe either');
    const answering = await superviseRound(async () => Promise.reject(new StallError('delivery did not finish')), supervisor([]), quiet);
    expect(answering.meaningful).toBe(false);
    if (!answering.meaningful) expect(answering.problems[0]).toMatch(/Azurite answers the probe \(1\.00 ms per operation\), so the measured side stalled/);
  });

  it('does not hide a real failure (rows that do not check) behind a re-run', async () => {
    const s = supervisor([]);
    await expect(superviseRound(async () => Promise.reject(new Error('3 events missing')), s, quiet)).rejects.toThrow('3 events missing');
    expect(s.restarts).toBe(0);
  });
});
