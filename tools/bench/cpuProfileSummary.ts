/** The parts of a V8 CPU profile (Profiler.stop) the summary reads. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

/** Which part of the stack a function belongs to, from its script URL: enough to say what dominates a post. */
function category(functionName: string, url: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : `native: ${functionName || '(anonymous)'}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `package: ${pkg[1]}`;
  const own = /\/dist\/((?:shared|functions|tools)\/.*)$/.exec(url);
  if (own) return `project: ${own[1]}`;
  // node:internal/deps/undici/undici, node:internal/streams/readable... -> the first two segments.
  if (url.startsWith('node:')) return url.split('/').slice(0, 3).join('/');
  return url;
}

const ms = (us: number) => Math.round(us / 100) / 10;

type Frame = CpuProfile['nodes'][number]['callFrame'];
const label = (f: Frame) => `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;

/** Self time per category (all) and per function (the `top` heaviest), in ms and as a share of the non-idle time sampled. */
export function cpuProfileSummary(profile: CpuProfile, top = 25) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  // A native's name alone (writev, parse) rarely says whose work it is: keep the JS caller chain for those.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const callers = (id: number, depth = 4) => {
    const chain: string[] = [];
    for (let p = parent.get(id); p !== undefined && chain.length < depth; p = parent.get(p)) chain.push(label(byId.get(p)!));
    return chain.join(' < ');
  };
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let sampledUs = 0;
  let idleUs = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id);
    const us = profile.timeDeltas[i + 1] ?? 0;
    if (!frame) return;
    sampledUs += us;
    if (frame.functionName === '(idle)') return void (idleUs += us);
    const cat = category(frame.functionName, frame.url);
    byCategory.set(cat, (byCategory.get(cat) ?? 0) + us);
    const fn = frame.url === '' ? `${label(frame)} < ${callers(id)}` : label(frame);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  });
  const busyUs = sampledUs - idleUs;
  const ranked = (m: Map<string, number>, limit: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => ({ name, ms: ms(us), pct: Math.round((us / busyUs) * 1000) / 10 }));
  return { sampledMs: ms(sampledUs), busyMs: ms(busyUs), byCategory: ranked(byCategory, Infinity), topFunctions: ranked(byFunction, top) };
}
