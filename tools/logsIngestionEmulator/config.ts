import path from 'node:path';
import { z } from 'zod';
import { FAULT_KINDS, faultOptionsSchema, type FaultOptions } from './faults';
import { DEFAULT_AUDIENCE } from './limits';
import { defaultCertDir, defaultDataDir, defaultStreamsDir } from './repoRoot';

/** DCR immutable id → declared stream names; ids and names must be non-empty. */
export const dcrsSchema = z.record(z.string().min(1), z.array(z.string().min(1)).min(1));

/** "1/3", "0.25" or "25%": whichever reads best in a shell. */
const fractionSchema = z
  .string()
  .trim()
  .transform((text, ctx) => {
    const ratio = /^(\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)$/.exec(text);
    const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
    const value = ratio ? Number(ratio[1]) / Number(ratio[2]) : percent ? Number(percent[1]) / 100 : Number(text);
    if (!Number.isFinite(value) || value < 0 || value > 1) {
      ctx.addIssue({ code: 'custom', message: `fault fraction must be between 0 and 1 (e.g. 1/3, 0.33, 33%), got '${text}'` });
      return z.NEVER;
    }
    return value;
  });

const integer = z.string().trim().regex(/^-?\d+$/, 'an integer').transform(Number);

/**
 * Environment of the CLI (main.ts). Every variable is optional:
 * - LOGS_EMULATOR_PORT (default 0: any free port), LOGS_EMULATOR_DATA_DIR, LOGS_EMULATOR_CERT_DIR,
 *   LOGS_EMULATOR_STREAMS_DIR, LOGS_EMULATOR_AUDIENCE;
 * - LOGS_EMULATOR_DCRS: JSON `{"<immutable id>": ["Custom-Stream", ...]}`; default one DCR, `dcr-emulator`,
 *   declaring every stream in the streams folder;
 * - LOGS_EMULATOR_FAULT_FRACTION (1/3, 0.33, 33%), LOGS_EMULATOR_FAULT_KINDS (comma list of fault kinds),
 *   LOGS_EMULATOR_FAULT_SEED, LOGS_EMULATOR_SLOW_MS;
 * - LOGS_EMULATOR_REPLACE_STALE_TIME_GENERATED=true to rewrite out-of-window TimeGenerated like the service.
 */
const envSchema = z.object({
  LOGS_EMULATOR_PORT: integer.pipe(z.number().int().min(0).max(65_535)).optional(),
  LOGS_EMULATOR_DATA_DIR: z.string().min(1).optional(),
  LOGS_EMULATOR_CERT_DIR: z.string().min(1).optional(),
  LOGS_EMULATOR_STREAMS_DIR: z.string().min(1).optional(),
  LOGS_EMULATOR_AUDIENCE: z.url().optional(),
  LOGS_EMULATOR_DCRS: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'LOGS_EMULATOR_DCRS must be JSON: {"<dcr immutable id>": ["Custom-Stream"]}' });
        return z.NEVER;
      }
    })
    .pipe(dcrsSchema)
    .optional(),
  LOGS_EMULATOR_FAULT_FRACTION: fractionSchema.optional(),
  LOGS_EMULATOR_FAULT_KINDS: z
    .string()
    .transform((text) => text.split(',').map((kind) => kind.trim()).filter((kind) => kind.length > 0))
    .pipe(z.array(z.enum(FAULT_KINDS)).min(1))
    .optional(),
  LOGS_EMULATOR_FAULT_SEED: integer.optional(),
  LOGS_EMULATOR_SLOW_MS: integer.optional(),
  LOGS_EMULATOR_REPLACE_STALE_TIME_GENERATED: z.enum(['true', 'false', '1', '0']).optional(),
});

export interface EmulatorProcessConfig {
  port: number;
  dataDir: string;
  certDir: string;
  streamsDir: string;
  audience: string;
  /** Undefined: every stream of the streams folder on one DCR, `dcr-emulator` (resolved by the caller). */
  dcrs: Record<string, string[]> | undefined;
  faults: FaultOptions;
  replaceStaleTimeGenerated: boolean;
}

/** The CLI's settings from the environment; throws a readable message naming the bad variables. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): EmulatorProcessConfig {
  // Empty variables count as unset, as a shell `VAR= cmd` usually means.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) throw new Error(`Invalid emulator environment:\n${z.prettifyError(parsed.error)}`);
  const e = parsed.data;
  const faults = faultOptionsSchema.parse({
    fraction: e.LOGS_EMULATOR_FAULT_FRACTION,
    kinds: e.LOGS_EMULATOR_FAULT_KINDS,
    seed: e.LOGS_EMULATOR_FAULT_SEED,
    slowMs: e.LOGS_EMULATOR_SLOW_MS,
  });
  return {
    port: e.LOGS_EMULATOR_PORT ?? 0,
    dataDir: path.resolve(e.LOGS_EMULATOR_DATA_DIR ?? defaultDataDir()),
    certDir: path.resolve(e.LOGS_EMULATOR_CERT_DIR ?? defaultCertDir()),
    streamsDir: path.resolve(e.LOGS_EMULATOR_STREAMS_DIR ?? defaultStreamsDir()),
    audience: e.LOGS_EMULATOR_AUDIENCE ?? DEFAULT_AUDIENCE,
    dcrs: e.LOGS_EMULATOR_DCRS,
    faults,
    replaceStaleTimeGenerated: e.LOGS_EMULATOR_REPLACE_STALE_TIME_GENERATED === 'true' || e.LOGS_EMULATOR_REPLACE_STALE_TIME_GENERATED === '1',
  };
}
