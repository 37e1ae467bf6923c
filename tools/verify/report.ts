/** One step of `npm run verify`: what was checked, how it went, and what to do when it did not go well. */
export interface StepResult {
  step: string;
  status: 'pass' | 'fail' | 'skip';
  detail: string;
  /** The fix for a failure, or what to do instead for a skipped step. */
  fix?: string;
}

const MARK = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;

export function formatStep(r: StepResult): string {
  return [`[${MARK[r.status]}] ${r.step}: ${r.detail}`, ...(r.fix ? [`       -> ${r.fix}`] : [])].join('\n');
}

/** The verdict line: the relay works end to end only when no step failed. */
export function verdict(results: readonly StepResult[]): { ok: boolean; line: string } {
  const failed = results.filter((r) => r.status === 'fail');
  if (failed.length > 0) return { ok: false, line: `VERDICT: NOT WORKING (${failed.map((r) => r.step).join(', ')} failed; fixes above)` };
  const skipped = results.filter((r) => r.status === 'skip').length;
  return { ok: true, line: skipped ? `VERDICT: WORKING so far (${skipped} step(s) skipped; see above for how to finish the check)` : 'VERDICT: WORKING end to end' };
}
