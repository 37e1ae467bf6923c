// The build every npm script runs first (plain CommonJS: it runs before anything is compiled, on any Node):
// 1. Node.js 22 or later and the installed packages (npm ci), or one clear line;
// 2. dist/ files whose source is gone are removed (a deleted function must not keep serving locally, or ship);
// 3. tsc only when a source changed since the last build (else "up to date" in milliseconds), and then
//    incrementally (dist/.tsbuildinfo). `npm run build` forces the tsc step.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(`This project needs Node.js 22 or later; this is Node.js ${process.versions.node}. Install Node 22 (nvm install 22 && nvm use 22, or see .ci/run) and run the command again.`);
  process.exit(1);
}

const root = path.join(__dirname, '..');

// Without node_modules every later step (tsc, then the script itself) dies with a MODULE_NOT_FOUND stack: one line instead.
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const missing = Object.keys(pkg.dependencies ?? {}).filter((name) => !fs.existsSync(path.join(root, 'node_modules', name, 'package.json')));
if (missing.length > 0) {
  console.error(`The project's packages are not installed (${missing.length === 1 ? missing[0] : `${missing[0]} and ${missing.length - 1} more`} missing from node_modules/): run npm ci first, then the command again.`);
  process.exit(1);
}
const dist = path.join(root, 'dist');
const stamp = path.join(dist, '.build-stamp');
const sourceDirs = ['functions', 'shared', 'tools'];
const force = process.argv.includes('--force');
const quiet = process.argv.includes('--quiet');

function* files(dir) {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else yield full;
  }
}

/** The source a dist file was built from, or undefined for files tsc does not produce from a source. */
function sourceOf(distFile) {
  const rel = path.relative(dist, distFile);
  const m = /^(.*?)(\.d\.ts|\.js\.map|\.js|\.json)$/.exec(rel);
  if (!m) return undefined;
  return path.join(root, m[2] === '.json' ? `${m[1]}.json` : `${m[1]}.ts`);
}

let removed = 0;
for (const dir of sourceDirs) {
  for (const file of files(path.join(dist, dir))) {
    const source = sourceOf(file);
    if (source && !fs.existsSync(source)) {
      fs.rmSync(file);
      removed++;
    }
  }
}
if (removed > 0 && !quiet) console.log(`build: removed ${removed} file(s) from dist/ whose source is gone`);

const inputs = [...sourceDirs.flatMap((d) => [...files(path.join(root, d))]), path.join(root, 'tsconfig.json'), path.join(root, 'package-lock.json')];
const newest = Math.max(...inputs.filter((f) => fs.existsSync(f)).map((f) => fs.statSync(f).mtimeMs));
const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
if (!force && built >= newest) {
  if (!quiet) console.log('build: up to date');
  process.exit(0);
}
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
if (!fs.existsSync(tsc)) {
  console.error('TypeScript is not installed (the dev dependencies are missing from node_modules/): run npm ci first, then the command again.');
  process.exit(1);
}
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--incremental', '--tsBuildInfoFile', 'dist/.tsbuildinfo'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
fs.mkdirSync(dist, { recursive: true });
fs.writeFileSync(stamp, new Date().toISOString());
