import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { listPoison, redrive, type PoisonEntry, type PoisonSelection, type RedriveReport } from '../shared/handoff/redrive';
import { cliStorage, STORAGE_OPTIONS } from './cliStorage';
import { runCli, UsageError } from './cliMain';

const HELP = `npm run redrive -- [options]

Lists the messages in the relay's poison queue (<queue>-poison) with their reasons, and moves them back to the relay
queue or purges them once the cause is fixed. Each run acts only on the messages present when it starts, moves each
at most once, and leaves a message that fails again in poison with its new reason.

Actions (default: list):
  --move               move the selected messages back to the relay queue
  --purge              delete the selected messages and their claim-check blobs for good (asks to confirm)
  --dry-run            with --move or --purge: show what would happen, change nothing

Selection (default: all; both given: both must match):
  --reason <text>      reason contains <text>, case-insensitive (repeatable)
  --id <id>            poison message id or request id (repeatable)

Where (default: RELAY_STORAGE / RELAY_STORAGE__queueServiceUri from the environment, else local.settings.json):
  --storage <s>        storage account name, https:// account URL (Entra ID: your az/azd sign-in), or connection string
  --queue <name>       relay queue (default RELAY_QUEUE_NAME or relay-ingest)
  --container <name>   claim-check container (default RELAY_BLOB_CONTAINER or relay-payloads)

  --yes                confirm --purge without asking (for scripts)
  --json               print the result as JSON
  -h, --help           this text

Against a deployed relay:  set -a; eval "$(azd env get-values)"; set +a; npm run redrive -- --move --dry-run`;

const OPTIONS = {
  move: { type: 'boolean' },
  purge: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  reason: { type: 'string', multiple: true },
  id: { type: 'string', multiple: true },
  ...STORAGE_OPTIONS,
  yes: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;


function parse(argv: string[]) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.move && values.purge) throw new UsageError('--move and --purge exclude each other');
  if (values['dry-run'] && !values.move && !values.purge) throw new UsageError('--dry-run needs --move or --purge');
  return values;
}

function line(e: PoisonEntry): string {
  const what = e.requestId ? `request ${e.requestId} (${e.logType}, ${e.recordCount} records)` : 'unrecognised message';
  return `  - ${what}${e.messageId ? `, message ${e.messageId}` : ''}${e.poisonedAt ? `, poisoned ${e.poisonedAt}` : ''}\n      reason: ${e.reason}`;
}

function printReport(report: RedriveReport, queue: string, poison: string): void {
  const verb = report.action === 'move' ? `moved back to ${queue}` : 'purged';
  console.log(`${report.dryRun ? 'Would have ' : ''}${verb}: ${report.done.length} message(s)`);
  for (const e of report.done) console.log(line(e));
  if (report.completedEarlier > 0) console.log(`Removed ${report.completedEarlier} entr(ies) an interrupted earlier run had already moved (not sent again).`);
  if (report.leftInPoison > 0) console.log(`Left in ${poison}: ${report.leftInPoison} (not selected, or poisoned again during this run)`);
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(question)).trim().toLowerCase() === 'purge';
  } finally {
    rl.close();
  }
}

export async function main(argv = process.argv.slice(2)): Promise<number> {
  const args = parse(argv);
  if (args.help) {
    console.log(HELP);
    return 0;
  }
  const { clients, describe } = cliStorage({ storage: args.storage, queue: args.queue, container: args.container });
  const selection: PoisonSelection = { reasons: args.reason, ids: args.id };
  const selecting = (args.reason?.length ?? 0) + (args.id?.length ?? 0) > 0;
  const poison = clients.poisonQueue.name;

  if (!args.move && !args.purge) {
    if (selecting) {
      const report = await redrive(clients, { action: 'move', selection, dryRun: true });
      if (args.json) console.log(JSON.stringify(report.done, null, 2));
      else {
        console.log(`${poison} (${describe}): ${report.done.length} selected message(s)`);
        report.done.forEach((e) => console.log(line(e)));
      }
      return 0;
    }
    const { total, entries } = await listPoison(clients);
    if (args.json) {
      console.log(JSON.stringify({ total, entries }, null, 2));
      return 0;
    }
    console.log(`${poison} (${describe}): ${total} message(s)`);
    entries.forEach((e) => console.log(line(e)));
    if (total > entries.length) console.log(`  … and ${total - entries.length} more (select with --reason or --id to see them)`);
    if (total > 0) console.log('Fix the cause, then: npm run redrive -- --move   (--dry-run first to see what would move)');
    return 0;
  }

  const action = args.move ? 'move' : 'purge';
  let confirmed: PoisonSelection | undefined;
  if (action === 'purge' && !args['dry-run'] && !args.yes) {
    const preview = await redrive(clients, { action, selection, dryRun: true });
    if (preview.done.length === 0) {
      console.log(`Nothing selected in ${poison}.`);
      return 0;
    }
    preview.done.forEach((e) => console.log(line(e)));
    const ok = await confirm(`Purge these ${preview.done.length} message(s) from ${poison} for good? Type "purge" to confirm: `);
    if (!ok) {
      console.error(process.stdin.isTTY ? 'Not confirmed; nothing purged.' : 'Refusing to purge without confirmation: run in a terminal, or add --yes.');
      return 2;
    }
    // Purge exactly what was shown and confirmed, not what arrived meanwhile.
    confirmed = { ...selection, ids: preview.done.map((e) => e.messageId!).filter(Boolean) };
  }
  const report = await redrive(clients, { action, selection: confirmed ?? selection, dryRun: args['dry-run'] });
  if (args.json) console.log(JSON.stringify(report, null, 2));
  else printReport(report, clients.queue.name, poison);
  return 0;
}

if (require.main === module) runCli('redrive', main);
