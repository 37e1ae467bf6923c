import { z } from 'zod';

/**
 * What the DCR generator reads from each shared/streams/*.json file. The mapper's own reading of the same files is
 * shared/streamSchemas.ts; this schema adds the fields only the infrastructure needs, all optional, so a file written
 * for the mapper alone still deploys as a relay-created table.
 */

/** Column types a DCR stream declaration allows (Microsoft.Insights/dataCollectionRules streamDeclarations). */
export const streamColumnTypeSchema = z.enum(['string', 'int', 'long', 'real', 'boolean', 'datetime', 'dynamic']);

/** Column types a Log Analytics table allows (Microsoft.OperationalInsights/workspaces/tables schema.columns). */
export const tableColumnTypeSchema = z.enum(['string', 'int', 'long', 'real', 'boolean', 'dateTime', 'guid', 'dynamic']);

/**
 * Who creates the destination table:
 * - relay: the template creates it (the default);
 * - classic: the customer's classic table migrated in place (docs/migration.md); referenced, never created;
 * - sentinelSolution: a Microsoft Sentinel solution's table; the template creates the identical table and routes the
 *   stream through its own DCR only when the solution's DCR is not used (existingKeeperDcrResourceId empty).
 */
export const tableSourceSchema = z.enum(['relay', 'classic', 'sentinelSolution']);

/** Template switches a stream may depend on (parameters of infra/main.bicep). */
export const streamSwitchSchema = z.enum(['keeperClEnabled']);

export const dcrStreamFileSchema = z.object({
  stream: z.string().regex(/^Custom-[A-Za-z0-9_]+$/),
  table: z.string().regex(/^[A-Za-z0-9_]+_CL$/),
  tableSource: tableSourceSchema.default('relay'),
  enabledBy: streamSwitchSchema.optional(),
  columns: z
    .array(
      z.object({
        name: z.string().min(1),
        type: streamColumnTypeSchema,
        tableColumn: z.string().min(1),
        /** The table's type when it differs from what the stream type maps to (a string sent for a guid column). */
        tableType: tableColumnTypeSchema.optional(),
      }),
    )
    .min(1),
});

export type DcrStreamFile = z.infer<typeof dcrStreamFileSchema>;
export type StreamColumnType = z.infer<typeof streamColumnTypeSchema>;
export type TableColumnType = z.infer<typeof tableColumnTypeSchema>;
