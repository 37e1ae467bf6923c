import { describe, expect, it } from 'vitest';
import { parseRecordText } from '../shared/mapping/recordText';
import { recordTexts } from '../shared/mapping/recordTexts';

describe('record texts: each record exactly as received', () => {
  it('slices a JSON array into its elements, whatever the strings and nesting hold', () => {
    const body = ' [ {"a":"],[{\\"x\\"}"} ,{"b":[1,{"c":"}"}]},\n{"d":3.0} ] ';
    expect(recordTexts(Buffer.from(body), 'json')).toEqual(['{"a":"],[{\\"x\\"}"}', '{"b":[1,{"c":"}"}]}', '{"d":3.0}']);
  });
  it('takes a bare object as one record, NDJSON line by line, and an empty array as none', () => {
    expect(recordTexts(Buffer.from('{"a":1}'), 'json')).toEqual(['{"a":1}']);
    expect(recordTexts(Buffer.from('{"a":1}\n\n{"b":2.50}\r\n'), 'ndjson')).toEqual(['{"a":1}', '{"b":2.50}']);
    expect(recordTexts(Buffer.from('[]'), 'json')).toEqual([]);
    expect(recordTexts(Buffer.from('\uFEFF[{"a":1}]'), 'json')).toEqual(['{"a":1}']);
  });
});

describe('lossless record parsing', () => {
  it('keeps numbers JSON.parse would change as raw JSON numbers, and only those', () => {
    const { record, rawNumbers } = parseRecordText('{"real":3.0,"big":9007199254740993,"huge":1e400,"plain":42,"frac":0.5,"s":"3.0"}');
    expect(rawNumbers).toBe(true);
    expect(JSON.stringify(record)).toBe('{"real":3.0,"big":9007199254740993,"huge":1e400,"plain":42,"frac":0.5,"s":"3.0"}');
    expect(record.plain).toBe(42);
    expect(parseRecordText('{"a":1,"b":[2.5,-3],"c":"x:1.0"}').record).toEqual({ a: 1, b: [2.5, -3], c: 'x:1.0' });
  });
  it('takes the last of duplicate keys, as JSON.parse (and the door) did, still keeping numbers exact', () => {
    expect(JSON.stringify(parseRecordText('{"a":1,"a":2.0}').record)).toBe('{"a":2.0}');
  });
});
