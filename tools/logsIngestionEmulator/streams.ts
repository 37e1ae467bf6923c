import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** The column types a DCR stream declaration allows (streamDeclarations.columns[].type). */
export const STREAM_COLUMN_TYPES = ['string', 'int', 'long', 'real', 'boolean', 'datetime', 'dynamic'] as const;
export type StreamColumnType = (typeof STREAM_COLUMN_TYPES)[number];

/**
 * The shape of shared/streams/*.json. These files are edited by hand and by other tools, so they are parsed
 * rather than trusted: a typo in a type must fail loudly instead of silently accepting everything.
 */
const streamFileSchema = z.object({
  stream: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'stream names become file names, so only letters, digits, _ . -'),
  table: z.string(),
  dynamicColumn: z.string().optional(),
  columns: z
    .array(
      z.object({
        name: z.string().min(1),
        type: z.enum(STREAM_COLUMN_TYPES),
        tableColumn: z.string(),
        tableType: z.string().optional(),
      }),
    )
    .min(1),
});

export type StreamSchema = z.infer<typeof streamFileSchema>;

/**
 * Every stream schema in a folder, by stream name. A broken file only matters if a DCR declares its stream, so
 * parse failures are returned rather than thrown; the caller decides (other people edit this folder concurrently).
 */
export async function loadStreamSchemas(
  streamsDir: string,
): Promise<{ schemas: Map<string, StreamSchema>; problems: string[] }> {
  const schemas = new Map<string, StreamSchema>();
  const problems: string[] = [];
  const files = (await readdir(streamsDir)).filter((name) => name.endsWith('.json')).sort();
  for (const name of files) {
    const file = path.join(streamsDir, name);
    try {
      const parsed = streamFileSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
      if (!parsed.success) problems.push(`${name}: ${z.prettifyError(parsed.error)}`);
      else if (schemas.has(parsed.data.stream)) problems.push(`${name}: stream ${parsed.data.stream} is declared twice`);
      else schemas.set(parsed.data.stream, parsed.data);
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
    }
  }
  return { schemas, problems };
}

/** The schema of each stream the DCRs declare; throws naming the missing or broken ones. */
export async function resolveDcrStreams(
  streamsDir: string,
  dcrs: Record<string, readonly string[]>,
): Promise<Map<string, StreamSchema>> {
  const { schemas, problems } = await loadStreamSchemas(streamsDir);
  const wanted = new Set(Object.values(dcrs).flat());
  const missing = [...wanted].filter((stream) => !schemas.has(stream));
  if (missing.length > 0) {
    const detail = problems.length > 0 ? ` Unreadable schema files: ${problems.join('; ')}` : '';
    throw new Error(`No stream schema in ${streamsDir} for ${missing.join(', ')}.${detail}`);
  }
  return new Map([...wanted].map((stream) => [stream, schemas.get(stream)!]));
}
