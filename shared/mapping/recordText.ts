import { parse as losslessParse } from 'lossless-json';
import { senderNumber, roundTrips } from './jsonNumbers';
import type { RecordObject } from '../ingest/recordRules';

/**
 * One record's exact JSON text as received → the record, with every number as its sender wrote it (see
 * jsonNumbers.ts). Most records hold only numbers JSON.parse keeps exactly, so a scan of the number tokens decides:
 * those go through the native parser, the rest through lossless-json (https://github.com/josdejong/lossless-json).
 */

// A number token: where a value starts (after `:`, `[` or `,`) and ends (before `,`, `}` or `]`). Text inside strings
// rarely looks like that (an ISO time's `:44.743Z` does not); when it does, it only costs speed.
const NUMBER_TOKEN = /[:[,]\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(?=\s*[,}\]])/g;

/** Whether the text may hold a number JSON.parse would change (its type or value). */
function hasFragileNumber(text: string): boolean {
  NUMBER_TOKEN.lastIndex = 0;
  for (let match = NUMBER_TOKEN.exec(text); match; match = NUMBER_TOKEN.exec(text)) {
    if (!roundTrips(match[1]!)) return true;
  }
  return false;
}

export interface ParsedRecord {
  record: RecordObject;
  /** Whether some number is kept as a raw JSON number (so dynamic values need a check for unholdable ones). */
  rawNumbers: boolean;
}

/** Throws what JSON.parse throws for text that is not JSON; the doors accepted the text, so this is not expected. */
export function parseRecordText(text: string): ParsedRecord {
  if (!hasFragileNumber(text)) return { record: JSON.parse(text) as RecordObject, rawNumbers: false };
  try {
    return { record: losslessParse(text, null, senderNumber) as RecordObject, rawNumbers: true };
  } catch {
    // lossless-json refuses duplicate keys with different values, which JSON.parse (and so the door) accepts with
    // the last value winning, as .NET did for the retired API: do the same, still keeping numbers exact.
    const record = JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
      typeof value === 'number' && context?.source !== undefined ? senderNumber(context.source) : value,
    ) as RecordObject;
    return { record, rawNumbers: true };
  }
}
