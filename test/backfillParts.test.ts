import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonElements } from '../tools/backfillJsonSplitter';
import { backoffMs, retryAfterMs } from '../tools/backfillSender';
import { BackfillProgress } from '../tools/backfillProgress';

async function split(...chunks: string[]): Promise<string[]> {
  async function* source() {
    yield* chunks;
  }
  const texts: string[] = [];
  for await (const element of jsonElements(source())) texts.push(element.text);
  return texts;
}

describe('JSON export splitter', () => {
  it('yields the exact text of each element, whatever the chunk boundaries', async () => {
    const text = '\uFEFF[ {"a":"x],{\\"y}", "n": 12345678901234567890},\n{"b":[1,{"c":"]"}]} ]\n';
    const expected = ['{"a":"x],{\\"y}", "n": 12345678901234567890}', '{"b":[1,{"c":"]"}]}'];
    expect(await split(text)).toEqual(expected);
    // Every split point, including inside escapes and strings.
    for (let i = 1; i < text.length; i++) expect(await split(text.slice(0, i), text.slice(i))).toEqual(expected);
  });

  it('reads NDJSON and concatenated objects, and an empty array', async () => {
    expect(await split('{"a":1}\n{"b":"}"}\r\n')).toEqual(['{"a":1}', '{"b":"}"}']);
    expect(await split('[ ]')).toEqual([]);
  });

  it('names the line where a file stops being an export', async () => {
    await expect(split('[{"a":1},\n{"b":2}')).rejects.toThrow('line 2: the file ends inside the array');
    await expect(split('[{"a":1}]\nx')).rejects.toThrow('line 2: text after the end of the array');
    await expect(split('[{"a":1},,{}]')).rejects.toThrow('an empty element');
    await expect(split('hello')).rejects.toThrow('starts with "[" or "{"');
  });
});

describe('retry timing', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('7')).toBe(7000);
    expect(retryAfterMs('Sun, 29 Nov 2026 12:00:10 GMT', Date.parse('2026-11-29T12:00:00Z'))).toBe(10_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });

  it('backs off exponentially with full jitter, capped', () => {
    expect(backoffMs(0, 1000, 60_000, () => 0.999)).toBe(999);
    expect(backoffMs(3, 1000, 60_000, () => 0.5)).toBe(4000);
    expect(backoffMs(20, 1000, 60_000, () => 0.999)).toBe(59_940);
    expect(backoffMs(5, 1000, 60_000, () => 0)).toBe(0);
  });
});

describe('progress output', () => {
  it('prints plain lines off a terminal and a bar on one', () => {
    const lines: string[] = [];
    const plain = new BackfillProgress({ write: (t: string) => lines.push(t), isTTY: false }, { eventsSent: 0, eventsRefused: 0, bytesDone: 0, bytesTotal: 2e6 });
    plain.finish({ eventsSent: 1234, eventsRefused: 2, bytesDone: 1e6, bytesTotal: 2e6 });
    expect(lines[0]).toMatch(/^backfill: 50% {2}1,234 events \(2 refused\) {2}1\.0\/2\.0 MB {2}[\d,]+ events\/s {2}[\d.]+ MB\/s {2}ETA \d+:\d\d\n$/);

    const drawn: string[] = [];
    const bar = new BackfillProgress({ write: (t: string) => drawn.push(t), isTTY: true, columns: 200 }, { eventsSent: 0, eventsRefused: 0, bytesDone: 0, bytesTotal: 4e6 });
    bar.finish({ eventsSent: 10, eventsRefused: 0, bytesDone: 1e6, bytesTotal: 4e6 });
    expect(drawn[0]).toMatch(/^\r\[######-{18}\] {2}25% {2}10 events {2}1\.0\/4\.0 MB/);
    expect(drawn.at(-1)).toBe('\n');
  });
});

describe('npm run backfill exit status', () => {
  const cli = path.join(__dirname, '..', 'dist', 'tools', 'backfill.js');
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

  it('is 1 when a file fails, also with --dry-run, and 0 when every file is read', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'backfill-exit-'));
    const good = path.join(dir, 'a-good.json');
    const broken = path.join(dir, 'b-broken.json');
    writeFileSync(good, '[{"audit_event":"login","timestamp":"2026-09-14T10:00:00.000Z"}]');
    writeFileSync(broken, '[{"audit_event":"login","timestamp":"2026-09-14T10:00:00.000Z"},\n{"audit_event": "x"');
    const failed = run(dir, '--dry-run');
    expect(failed.stdout).toContain('files done: 1 of 2');
    expect(failed.stdout).toMatch(/FAIL .*b-broken\.json/);
    expect(failed.status).toBe(1);
    const ok = run(good, '--dry-run');
    expect(ok.stdout).toContain('files done: 1 of 1');
    expect(ok.status).toBe(0);
  });

  it('documents the codes in --help', () => {
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/1 +a file failed/);
    expect(help.stdout).toMatch(/2 +all files done, but some events were refused/);
  });
});
