import { readFileSync } from 'node:fs';
import type { RecordObject } from '../../shared/ingest/recordRules';
import { parseRecordText } from '../../shared/mapping/recordText';
import { recordTexts } from '../../shared/mapping/recordTexts';

/** Records from a JSON array, a single JSON object, or NDJSON (one record a line); numbers kept as sent. */
export function readSamples(file: string): RecordObject[] {
  const bytes = readFileSync(file);
  const text = bytes.toString('utf8').trim();
  let format: 'json' | 'ndjson' = 'json';
  try {
    JSON.parse(text);
  } catch {
    format = 'ndjson';
  }
  return recordTexts(bytes, format)
    .map((t) => parseRecordText(t).record)
    .filter((r): r is RecordObject => r !== null && typeof r === 'object' && !Array.isArray(r));
}
