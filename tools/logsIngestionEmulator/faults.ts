import { z } from 'zod';
import { seededRandom } from '../seededRandom';

export { seededRandom };

/**
 * The failures a relay meets from the real service, injected on purpose so its retry and "never lose, never
 * duplicate" logic can be exercised locally:
 * - `429-retry-after`: throttled with `Retry-After: 1` (the SDK waits and retries by itself);
 * - `429`: throttled without Retry-After (the SDK gives up at once; the relay must back off itself);
 * - `500`: transient server error (SDK retries with exponential backoff);
 * - `503`: unavailable with `Retry-After: 1` (SDK waits and retries);
 * - `403`: OperationFailed, as while a new role assignment propagates (not retried by the SDK);
 * - `404`: NotFound, as while a new DCR propagates;
 * - `reset`: the connection is destroyed without an answer (a network error);
 * - `slow`: the rows are stored, and the 204 comes only after a delay (a client timeout then duplicates rows).
 */
export const FAULT_KINDS = ['429-retry-after', '429', '500', '503', '403', '404', 'reset', 'slow'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Parsed, because fault settings also arrive from environment variables and from tests at runtime. */
export const faultOptionsSchema = z.object({
  /** Share of accepted-looking calls that get a fault, 0..1 (e.g. 1/3). */
  fraction: z.number().min(0).max(1).default(0),
  /** Kinds to choose from, uniformly; repeat a kind to weight it. */
  kinds: z.array(z.enum(FAULT_KINDS)).min(1).default(['503']),
  /** Seed for a reproducible sequence of faults; omitted means Math.random. */
  seed: z.number().int().optional(),
  /** Delay of the `slow` kind. */
  slowMs: z.number().int().min(0).max(600_000).default(2_000),
});

export type FaultOptions = z.input<typeof faultOptionsSchema>;
export type FaultSettings = z.output<typeof faultOptionsSchema>;


/** Decides, call by call, whether and how to fail. */
export class FaultInjector {
  private settings: FaultSettings;
  private random: () => number;

  constructor(options: FaultOptions = {}) {
    this.settings = faultOptionsSchema.parse(options);
    this.random = this.makeRandom();
  }

  private makeRandom(): () => number {
    return this.settings.seed === undefined ? Math.random : seededRandom(this.settings.seed);
  }

  /** Replace the settings; a seeded sequence starts over, so a test can rely on it from this point. */
  set(options: FaultOptions): void {
    this.settings = faultOptionsSchema.parse(options);
    this.random = this.makeRandom();
  }

  /** Restart the seeded sequence (used by the emulator's reset). */
  restart(): void {
    this.random = this.makeRandom();
  }

  get current(): FaultSettings {
    return { ...this.settings, kinds: [...this.settings.kinds] };
  }

  /** The fault for the next call, or undefined. Draws exactly twice per call so sequences stay stable. */
  next(): FaultKind | undefined {
    const hit = this.random() < this.settings.fraction;
    const pick = this.random();
    if (!hit) return undefined;
    const { kinds } = this.settings;
    return kinds[Math.min(kinds.length - 1, Math.floor(pick * kinds.length))];
  }
}
