import { readFileSync } from 'node:fs';

/**
 * Self time of a V8 CPU profile (.cpuprofile) by where the code lives and by function, as shares of the busy
 * (non-idle) time: enough to say what dominates delivery when a target is missed. Kept here rather than shared
 * with tools/bench so the two benches can change independently.
 */

interface Profile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

type Frame = Profile['nodes'][number]['callFrame'];

function place(f: Frame): string {
  if (f.url === '') return f.functionName.startsWith('(') ? f.functionName : 'native';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f.url);
  if (pkg) return pkg[1]!;
  const own = /\/dist\/((?:shared|functions|tools)\/.*)$/.exec(f.url);
  if (own) return own[1]!;
  return f.url.startsWith('node:') ? f.url.split('/').slice(0, 3).join('/') : f.url;
}

const label = (f: Frame) => `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(dist|node_modules)\//, '')}:${f.lineNumber + 1}`;

export function summarizeProfile(file: string, top = 12): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // A native frame (gzip, JSON.parse, writev) says little alone: name its nearest JS caller too.
  const caller = (id: number) => {
    for (let p = parent.get(id); p !== undefined; p = parent.get(p)) if (byId.get(p)!.url !== '') return label(byId.get(p)!);
    return '?';
  };
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const f = byId.get(id);
    const us = profile.timeDeltas[i] ?? 0;
    if (!f || f.functionName === '(idle)') return;
    busy += us;
    byPlace.set(place(f), (byPlace.get(place(f)) ?? 0) + us);
    const fn = f.url === '' ? `${f.functionName || '(native)'} < ${caller(id)}` : label(f);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  });
  const ranked = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => `    ${((us / busy) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(5)} ms  ${name}`);
  // Inclusive: every sample with a frame of the package on its stack (its natives and callees count too).
  const under = (pkg: string) => {
    const memo = new Map<number, boolean>();
    const has = (id: number): boolean => {
      let v = memo.get(id);
      if (v === undefined) {
        const p = parent.get(id);
        v = byId.get(id)!.url.includes(`/node_modules/${pkg}/`) || (p !== undefined && has(p));
        memo.set(id, v);
      }
      return v;
    };
    let us = 0;
    profile.samples.forEach((id, i) => {
      if (byId.get(id)?.functionName !== '(idle)' && has(id)) us += profile.timeDeltas[i] ?? 0;
    });
    return `    ${((us / busy) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(5)} ms  ${pkg}`;
  };
  return [
    `  busy ${(busy / 1000).toFixed(0)} ms; self time by place:`,
    ...ranked(byPlace),
    '  by function:',
    ...ranked(byFunction),
    '  inclusive (with callees): XML parsing of storage responses, the storage SDK as a whole:',
    under('fast-xml-parser'),
    under('@azure/storage-queue'),
  ].join('\n');
}
