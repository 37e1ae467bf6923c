import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { uploadBody } from '../shared/delivery/ingestionClient';

describe('upload body', () => {
  it('is the rows as one JSON array, byte for byte, whatever the rows hold', async () => {
    // Rows as mappers produce them: any JSON object's text, any Unicode (surrogate pairs, escapes) included.
    const row = fc.dictionary(fc.string({ unit: 'binary' }), fc.jsonValue()).map((value) => JSON.stringify(value));
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 30 }), async (rows) => {
        const body = gunzipSync(await uploadBody(rows));
        expect(body.toString('utf8')).toBe(`[${rows.join(',')}]`);
        expect(JSON.parse(body.toString('utf8'))).toEqual(rows.map((r) => JSON.parse(r) as unknown));
      }),
      { numRuns: 200 },
    );
  });
});
