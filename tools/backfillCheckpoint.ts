import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The backfill's checkpoint: per file, how many of its events are settled (acknowledged by the door, refused by it,
 * or left out by the tool), written only after the door's answer. A resumed run skips those events, so nothing
 * acknowledged is sent again; an event sent but not yet acknowledged when the run died is sent again, and its
 * deterministic event id makes the copy removable (docs/deduplication.md).
 */

const refusalSchema = z.object({ line: z.number(), reason: z.string() });

const fileProgressSchema = z.object({
  size: z.number(),
  mtimeMs: z.number(),
  /** Events settled, counted from the file's start. */
  position: z.number().int().nonnegative(),
  done: z.boolean(),
  sent: z.number().int().nonnegative(),
  refused: z.number().int().nonnegative(),
  /** Outside --since/--until. */
  outside: z.number().int().nonnegative(),
  /** The first refusals, with their lines. */
  refusals: z.array(refusalSchema),
  /** Events acknowledged per UTC day of their event time ("none" without one). */
  days: z.record(z.string(), z.number().int().nonnegative()),
});

export const checkpointSchema = z.object({
  version: z.literal(1),
  /** The door the events went to (without any query string), and the range: a resume must not change them. */
  url: z.string(),
  since: z.string().optional(),
  until: z.string().optional(),
  files: z.record(z.string(), fileProgressSchema),
});

export type Checkpoint = z.infer<typeof checkpointSchema>;
export type FileProgress = z.infer<typeof fileProgressSchema>;
export type Refusal = z.infer<typeof refusalSchema>;

/** Refusals kept per file (the count is exact; the list is for the summary). */
export const MAX_REFUSALS_KEPT = 100;

export function newFileProgress(size: number, mtimeMs: number): FileProgress {
  return { size, mtimeMs, position: 0, done: false, sent: 0, refused: 0, outside: 0, refusals: [], days: {} };
}

/** The checkpoint in `file`, or undefined when there is none. Errors: a file that is not a checkpoint. */
export function loadCheckpoint(file: string): Checkpoint | undefined {
  if (!existsSync(file)) return undefined;
  const parsed = checkpointSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file} is not a backfill checkpoint (${parsed.error.issues[0]?.message}); move it away or pass --fresh`);
  return parsed.data;
}

/** Writes the checkpoint atomically (a crash leaves the old or the new one, never half of one). */
export function saveCheckpoint(file: string, checkpoint: Checkpoint): void {
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, JSON.stringify(checkpoint, null, 1));
  renameSync(temporary, file);
}
