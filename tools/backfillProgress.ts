/**
 * The backfill's progress: a one-line bar redrawn in place on a terminal, a plain line every few seconds otherwise
 * (CI logs, files). Rates count this run only; ETA is from the bytes still to read at this run's byte rate.
 */

export interface ProgressState {
  eventsSent: number;
  eventsRefused: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');
const megabytes = (bytes: number) => (bytes / 1e6).toFixed(bytes < 10e6 ? 1 : 0);

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

export class BackfillProgress {
  private readonly started = Date.now();
  private readonly startEvents: number;
  private readonly startBytes: number;
  private lastLine = 0;
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly out: ProgressOutput,
    initial: ProgressState,
    private readonly intervalMs = 10_000,
  ) {
    this.startEvents = initial.eventsSent;
    this.startBytes = initial.bytesDone;
  }

  private describe(state: ProgressState): { fraction: number; text: string } {
    const seconds = Math.max(0.001, (Date.now() - this.started) / 1000);
    const eventRate = (state.eventsSent - this.startEvents) / seconds;
    const byteRate = (state.bytesDone - this.startBytes) / seconds;
    const fraction = state.bytesTotal > 0 ? Math.min(1, state.bytesDone / state.bytesTotal) : 1;
    const eta = byteRate > 0 ? (state.bytesTotal - state.bytesDone) / byteRate : Infinity;
    const refused = state.eventsRefused > 0 ? ` (${count(state.eventsRefused)} refused)` : '';
    const text =
      `${count(state.eventsSent)} events${refused}  ${megabytes(state.bytesDone)}/${megabytes(state.bytesTotal)} MB  ` +
      `${count(eventRate)} events/s  ${(byteRate / 1e6).toFixed(1)} MB/s  ETA ${duration(eta)}`;
    return { fraction, text };
  }

  /** Redraws (terminal) or prints a line when the interval has passed (otherwise). */
  update(state: ProgressState, force = false): void {
    if (this.out.isTTY && !force && Date.now() - this.lastDraw < 100) return;
    const { fraction, text } = this.describe(state);
    const percent = `${String(Math.floor(fraction * 100)).padStart(3)}%`;
    if (this.out.isTTY) {
      const now = Date.now();
      if (!force && now - this.lastDraw < 100) return;
      this.lastDraw = now;
      const width = 24;
      const filled = Math.round(fraction * width);
      const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
      const line = `${bar} ${percent}  ${text}`;
      // A pseudo-terminal may report 0 columns: then assume a usual width.
      this.out.write(`\r${line.slice(0, Math.max(20, (this.out.columns || 120) - 1))}\u001b[K`);
      this.drawn = true;
      return;
    }
    const now = Date.now();
    if (!force && now - this.lastLine < this.intervalMs) return;
    this.lastLine = now;
    this.out.write(`backfill: ${percent.trim()}  ${text}\n`);
  }

  /** Leaves the bar's last state on its own line. */
  finish(state: ProgressState): void {
    this.update(state, true);
    if (this.out.isTTY && this.drawn) this.out.write('\n');
  }
}
