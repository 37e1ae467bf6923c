import { decodeUtf8 } from './jsonBody';
import type { BodyFormat } from './queueEnvelope';

/**
 * The exact JSON text of each record of a body the door accepted: the elements of a top-level array, a bare
 * object, or NDJSON lines. Mapping parses each text itself, losslessly. (Stand-in until delivery reads records
 * incrementally; the texts are slices of the body, so nothing is re-serialised.)
 */
export function recordTexts(bytes: Uint8Array, format: BodyFormat): string[] {
  const text = decodeUtf8(bytes);
  if (format === 'ndjson') return text.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const start = text.search(/\S/);
  if (start < 0 || text[start] !== '[') return [text.trim()];
  return arrayElements(text, start);
}

/** Slices of the top-level array's elements, found by tracking strings and nesting. */
function arrayElements(text: string, open: number): string[] {
  const elements: string[] = [];
  let depth = 0;
  let inString = false;
  let from = open + 1;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) depth++;
    else if (c === 0x5d || c === 0x7d) {
      if (--depth === 0) {
        push(elements, text.slice(from, i));
        break;
      }
    } else if (c === 0x2c && depth === 1) {
      push(elements, text.slice(from, i));
      from = i + 1;
    }
  }
  return elements;
}

function push(elements: string[], slice: string): void {
  const trimmed = slice.trim();
  if (trimmed !== '') elements.push(trimmed);
}
