import { describe, expect, it } from 'vitest';
import { BodyStructureError, RecordSplitter } from '../shared/ingest/recordSplitter';
import type { BodyFormat } from '../shared/handoff/queueEnvelope';

/** Every record text the splitter finds when the body arrives in chunks cut at the given offsets. */
function split(body: string | Buffer, format: BodyFormat, cuts: number[] = []): string[] {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const splitter = new RecordSplitter(format);
  const out: string[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(...splitter.push(bytes.subarray(from, cut)).map((r) => r.bytes.toString()));
    from = cut;
  }
  out.push(...splitter.end().map((r) => r.bytes.toString()));
  return out;
}

/** The same body cut into two chunks at every offset, and into single bytes. */
function splitEveryWay(body: string, format: BodyFormat): string[] {
  const whole = split(body, format);
  const bytes = Buffer.from(body);
  for (let cut = 0; cut <= bytes.length; cut++) expect(split(bytes, format, [cut]), `cut at ${cut}`).toEqual(whole);
  expect(split(bytes, format, Array.from({ length: bytes.length }, (_, i) => i))).toEqual(whole);
  return whole;
}

describe('RecordSplitter: each record\'s exact text, whatever the chunking', () => {
  it('splits a JSON array into its elements, exactly as sent', () => {
    const body = ' [ {"a":1,"b":[1,2,{"c":"]},"}]} , {"s":"quote \\" and backslash \\\\"},{"u":"é€😀"}\n,{} ] ';
    expect(splitEveryWay(body, 'json')).toEqual(['{"a":1,"b":[1,2,{"c":"]},"}]}', '{"s":"quote \\" and backslash \\\\"}', '{"u":"é€😀"}', '{}']);
  });

  it('keeps scalars and nested arrays as records for the validator to judge', () => {
    expect(splitEveryWay('[1,"x",[{}],null]', 'json')).toEqual(['1', '"x"', '[{}]', 'null']);
  });

  it('takes a lone value as one record, and an empty array as none', () => {
    expect(splitEveryWay('  {"a":[1,2]}\n', 'json')).toEqual(['{"a":[1,2]}']);
    expect(splitEveryWay('[ ]', 'json')).toEqual([]);
  });

  it('drops a UTF-8 byte-order mark, even split across chunks', () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[{"a":1}]')]);
    for (const cuts of [[1], [2], [1, 2], [3]]) expect(split(body, 'json', cuts)).toEqual(['{"a":1}']);
  });

  it('splits NDJSON into non-blank lines, with their line numbers', () => {
    const body = '{"a":1}\r\n\n  {"b":"x\\ny"}  \n{"c":3}';
    expect(splitEveryWay(body, 'ndjson')).toEqual(['{"a":1}', '{"b":"x\\ny"}', '{"c":3}']);
    const splitter = new RecordSplitter('ndjson');
    const records = [...splitter.push(Buffer.from(body)), ...splitter.end()];
    expect(records.map((r) => r.line)).toEqual([1, 3, 4]);
  });

  it('reports the byte where the structure between records breaks, or that the body ends too early', () => {
    const failure = (body: string) => {
      try {
        split(body, 'json');
      } catch (error) {
        expect(error).toBeInstanceOf(BodyStructureError);
        return (error as BodyStructureError).offset;
      }
      return 'no error';
    };
    expect(failure('[{"a":1},]')).toBe(9);
    expect(failure('[,{}]')).toBe(1);
    expect(failure('[{}] x')).toBe(5);
    expect(failure('[{"a":1}')).toBe('end');
    expect(failure('[{"a":"unterminated}]')).toBe('end');
    expect(failure('')).toBe('end');
  });

  it('reads a large body chunk by chunk with the record offsets of the body', () => {
    const records = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ i, text: 'x'.repeat(i % 50) }));
    const body = Buffer.from(`[${records.join(',')}]`);
    const splitter = new RecordSplitter('json');
    const found = [];
    for (let at = 0; at < body.length; at += 777) found.push(...splitter.push(body.subarray(at, at + 777)));
    found.push(...splitter.end());
    expect(found.map((r) => r.bytes.toString())).toEqual(records);
    for (const r of found) expect(body.subarray(r.offset, r.offset + r.bytes.length).equals(r.bytes)).toBe(true);
  });
});
