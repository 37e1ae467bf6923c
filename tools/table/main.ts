import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { LOG_TYPE_PATTERN } from '../../shared/handoff/queueEnvelope';
import { loadStreamSchema, defaultStreamsDir, type StreamDeclaration } from '../../shared/mapping/streamSchemas';
import { buildDeclaration, declarationText, writeDeclaration } from './declaration';
import { declaredElsewhere } from './declaredElsewhere';
import { findDrift, withColumns } from './drift';
import { importTableSchema } from './importSchema';
import { inferColumns, MAX_COLUMNS, refusedNotes, unnameableReason } from './inferSchema';
import { azColumns, migrationSteps } from './migrationSteps';
import { readSamples } from './samples';

const USAGE = `Declared legacy tables (one file per table in shared/streams/):

  npm run table -- import <schema.json> [--log-type <Log-Type>] [--table <Name>_CL] [--out <file>]
      Writes the declaration of a classic table from its schema: the output of
      \`az monitor log-analytics workspace table show -g <rg> --workspace-name <ws> -n <Name>_CL -o json\`,
      the Tables REST API's JSON, or \`<Name>_CL | getschema\` rows.
  npm run table -- infer <records.json|.ndjson> --log-type <Log-Type> [--existing] [--out <file>]
      Infers the columns the retired API would have created from sample records (first type seen, suffix rules).
      --existing: the classic table exists (migrate it in place) rather than a new table the relay creates.
  npm run table -- drift <declaration.json> <samples.json|.ndjson> [--write]
      Lists the properties without a declared column (samples: records, or rows exported from the table with its
      relay_extra_s column) and prints the column additions; --write adds them to the declaration.

  Properties the door refuses records for (reserved names such as tenant or TimeGenerated, __proto__, constructor)
  never get a column. import and infer refuse to write a declaration whose stream or table another file in
  shared/streams/ declares (two declarations make two rows per record): --out <that file> replaces it, --force
  writes anyway.`;

const options = {
  'log-type': { type: 'string' },
  table: { type: 'string' },
  out: { type: 'string' },
  existing: { type: 'boolean', default: false },
  write: { type: 'boolean', default: false },
  force: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

function defaultOut(table: string): string {
  return path.join(defaultStreamsDir(), `${table.replace(/_CL$/, '').replace(/_/g, '-').toLowerCase()}.json`);
}

function logTypeFor(table: string, flags: Flags): string {
  return flags['log-type'] ?? table.replace(/_CL$/, '');
}

/** A flag's value that the declaration could not hold: one line naming the flag (zod's own text is JSON). */
function checkFlags(flags: Flags): void {
  const logType = flags['log-type'];
  if (logType !== undefined && !LOG_TYPE_PATTERN.test(logType)) {
    throw new Error(`--log-type ${JSON.stringify(logType)} is not a Log-Type: letters, digits and underscore only, at most 100 characters (as the Log-Type header)`);
  }
  if (flags.table !== undefined && !/^[A-Za-z0-9_]+_CL$/.test(flags.table)) {
    throw new Error(`--table ${JSON.stringify(flags.table)} is not a custom table name: letters, digits and underscore, ending in _CL`);
  }
}

/** A path as the user would type it: relative to the current folder when inside it. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
}

function report(declaration: StreamDeclaration, file: string, notes: string[], flags: Flags): void {
  const other = flags.force ? undefined : declaredElsewhere(declaration, file);
  if (other) {
    throw new Error(
      `${other.what} is already declared by ${shown(other.file)}; a second declaration would make two rows per record. ` +
        `Pass --out ${shown(other.file)} to replace that file, or --force to write ${shown(file)} anyway.`,
    );
  }
  writeDeclaration(file, declaration);
  console.log(`Wrote ${file}: ${declaration.table} (stream ${declaration.stream}) for Log-Type ${declaration.logTypes!.join(', ')}, ${declaration.columns.length} columns:`);
  for (const c of declaration.columns) console.log(`  ${c.name.padEnd(34)} ${c.tableType ?? c.type}`);
  for (const note of notes) console.log(note);
  console.log(`\nNext steps:\n${migrationSteps(declaration, path.relative(process.cwd(), file))}`);
}

function importCommand(file: string, flags: Flags): void {
  const imported = importTableSchema(JSON.parse(readFileSync(file, 'utf8')), flags.table);
  const logType = logTypeFor(imported.table, flags);
  const declaration = buildDeclaration({
    logType,
    table: imported.table,
    columns: imported.columns,
    tableSource: 'classic',
    description: `Classic table ${imported.table} (imported from ${path.basename(file)}): records with Log-Type ${logType} become rows with the retired Data Collector API's column names and types, so existing queries keep working. Properties without a declared column go to relay_extra_s as JSON text.`,
  });
  const notes = imported.skipped.length > 0 ? [`Not declared: ${imported.skipped.join('; ')}`] : [];
  if (imported.tableSubType && imported.tableSubType !== 'Classic') notes.push(`Note: the table's subtype is ${imported.tableSubType}, not Classic: skip the migration step if it is DataCollectionRuleBased already.`);
  report(declaration, flags.out ?? defaultOut(imported.table), notes, flags);
}

function inferCommand(file: string, flags: Flags): void {
  if (!flags['log-type']) throw new Error('infer needs --log-type <Log-Type> (the table is <Log-Type>_CL)');
  const inference = inferColumns(readSamples(file));
  const table = flags.table ?? `${flags['log-type']}_CL`;
  const room = MAX_COLUMNS - 3;
  const notes = [`Inferred from ${inference.records} records.`];
  for (const c of inference.columns) notes.push(`  ${c.property} → ${c.name} (${c.count} records)`);
  if (inference.columns.length > room) {
    notes.push(`LIMIT: ${inference.columns.length} columns, a table holds ${MAX_COLUMNS} (with TimeGenerated and the relay's 2): declared the first ${room} seen; these land in relay_extra_s: ${inference.columns.slice(room).map((c) => c.name).join(', ')}`);
  }
  for (const [property, n] of inference.unnameable) notes.push(`NO COLUMN: ${JSON.stringify(property)} (${n} records) ${unnameableReason(property)}: lands in relay_extra_s`);
  notes.push(...refusedNotes(inference.refused));
  const declaration = buildDeclaration({
    logType: flags['log-type'],
    table,
    columns: inference.columns.slice(0, room),
    tableSource: flags.existing ? 'classic' : 'relay',
    description: `Legacy table ${table} (inferred from ${path.basename(file)} with the retired Data Collector API's typing rules): records with Log-Type ${flags['log-type']} become rows with its column names and types. Properties without a declared column go to relay_extra_s as JSON text.`,
  });
  report(declaration, flags.out ?? defaultOut(table), notes, flags);
}

function driftCommand(declarationFile: string, samplesFile: string, flags: Flags): void {
  const declaration = loadStreamSchema(JSON.parse(readFileSync(declarationFile, 'utf8')));
  const drift = findDrift(declaration, readSamples(samplesFile));
  console.log(`${declaration.table}, Log-Type ${declaration.logTypes?.join(', ') ?? '-'}: ${drift.missing.length} columns missing, from ${drift.records} records`);
  for (const note of refusedNotes(drift.refused)) console.log(`  ${note}`);
  if (drift.missing.length === 0) return;
  for (const c of drift.missing) {
    const conflict = drift.conflicts.get(c.name);
    console.log(`  ${c.property.padEnd(24)} → ${c.name.padEnd(28)} ${(c.tableType ?? c.type).padEnd(9)} ${c.count} records${conflict ? `  (type conflict: declared ${conflict.join(', ')})` : ''}`);
  }
  const patched = withColumns(declaration, drift.missing);
  const added = patched.columns.filter((c) => drift.missing.some((m) => m.name === c.name));
  console.log(`\nDeclaration patch (add to "columns" of ${declarationFile}):`);
  console.log(declarationText({ columns: added }).split('\n').slice(2, -3).join('\n'));
  console.log(`\nTable (the list replaces the custom columns, so it repeats the existing ones):`);
  console.log(`  az monitor log-analytics workspace table update -g <rg> --workspace-name <workspace> -n ${declaration.table} --columns ${azColumns(patched)}`);
  if (flags.write) {
    const { columnTypes: _types, ...plain } = patched as StreamDeclaration & { columnTypes?: unknown };
    writeDeclaration(declarationFile, plain);
    console.log(`\nWrote ${declarationFile}. Then: azd provision.`);
  } else console.log(`\nRun again with --write to add them to ${declarationFile}, then: azd provision.`);
}

export function main(argv: string[]): void {
  const { values: flags, positionals } = parseArgs({ args: argv, options, allowPositionals: true });
  const [command, ...files] = positionals;
  if (flags.help || !command) return console.log(USAGE);
  checkFlags(flags);
  if (command === 'import' && files.length === 1) return importCommand(files[0]!, flags);
  if (command === 'infer' && files.length === 1) return inferCommand(files[0]!, flags);
  if (command === 'drift' && files.length === 2) return driftCommand(files[0]!, files[1]!, flags);
  throw new Error(`unknown command or wrong number of files: ${positionals.join(' ')}\n\n${USAGE}`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    // zod's message is its issues as JSON: one line per issue instead, with the property path.
    const message = error instanceof z.ZodError ? error.issues.map((i) => `${i.path.join('.') || 'declaration'}: ${i.message}`).join('; ') : error instanceof Error ? error.message : String(error);
    console.error(`table: ${message}`);
    process.exit(1);
  }
}
