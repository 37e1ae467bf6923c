import { parseArgs } from 'node:util';
import { coldStartTable, measureColdStart } from './bench/coldStart';
import { projectRoot } from './localSettings';

/**
 * `npm run bench` (part 3) and `npm run bench:cold [-- --quick]`: the cold import of every function entry, as the
 * Functions host does it when a new worker starts: a fresh `node -e "require('./dist/functions/<entry>.js')"`, wall
 * time spawn to exit, median of 10 processes (3 with --quick). Outside the Functions host @azure/functions runs in
 * test mode and skips the registrations, which is what the import costs apart from the registration itself.
 * `--root <dir>` measures another built checkout (e.g. main's, for a before/after comparison).
 */
const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, runs: { type: 'string' }, root: { type: 'string' } } });
const runs = values.runs !== undefined ? Number(values.runs) : values.quick ? 3 : 10;
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got "${values.runs}"`);

console.log(`Cold start: ${runs} fresh processes per function entry, round-robin, one at a time...`);
const { table, allMet } = coldStartTable(measureColdStart(values.root ?? projectRoot(), runs), runs);
console.log(`\n${table}\n\nCold-start targets met: ${allMet ? 'yes' : 'no'}`);
