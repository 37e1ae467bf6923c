// Runs before every npm script (plain CommonJS, so it parses on any Node): the project needs Node.js 22, and older
// versions fail later with obscure errors (vitest: "Map.groupBy is not a function"; npm start: silently).
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(`This project needs Node.js 22 or later; this is Node.js ${process.versions.node}. Install Node 22 (nvm install 22 && nvm use 22, or see .ci/run) and run the command again.`);
  process.exit(1);
}
