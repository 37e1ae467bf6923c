/**
 * Splits a streamed JSON export into the exact text of each top-level element, never holding more than one
 * element: Keeper's JSON export is one array of events (`[{...},{...}]`), and NDJSON or concatenated objects
 * (`{...}\n{...}`) read the same way. Texts are slices of the file, so numbers travel exactly as written.
 */

export interface JsonElement {
  text: string;
  /** The 1-based line the element ends on. */
  line: number;
}

export class JsonExportError extends Error {
  override name = 'JsonExportError';
}

const OPEN_OBJECT = 0x7b; // {
const CLOSE_OBJECT = 0x7d; // }
const OPEN_ARRAY = 0x5b; // [
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
/** No Keeper event comes near this; a larger element means the file is not an event export. */
const MAX_ELEMENT_CHARS = 16 * 1024 * 1024;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff;
}

/** Top-level elements of the text arriving in `chunks` (strings, split anywhere). */
export async function* jsonElements(chunks: AsyncIterable<string>): AsyncGenerator<JsonElement> {
  let mode: 'start' | 'array' | 'sequence' | 'after' = 'start';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let line = 1;
  let parts: string[] = [];
  let partsLength = 0;
  let started = false;

  for await (const chunk of chunks) {
    let from = -1; // where the current element's text starts in this chunk
    const emitUpTo = (end: number): JsonElement => {
      parts.push(chunk.slice(from === -1 ? 0 : from, end));
      const text = parts.join('').trim();
      parts = [];
      partsLength = 0;
      started = false;
      from = -1;
      return { text, line };
    };
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === NEWLINE) line++;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) inString = false;
        continue;
      }
      if (mode === 'start') {
        if (isSpace(c)) continue;
        if (c === OPEN_ARRAY) {
          mode = 'array';
          continue;
        }
        if (c !== OPEN_OBJECT) throw new JsonExportError(`line ${line}: a JSON export starts with "[" or "{"`);
        mode = 'sequence';
      }
      if (mode === 'after') {
        if (!isSpace(c)) throw new JsonExportError(`line ${line}: text after the end of the array`);
        continue;
      }
      if (!started) {
        if (isSpace(c)) continue;
        if (mode === 'array' && c === CLOSE_ARRAY && depth === 0) {
          mode = 'after';
          continue;
        }
        if (mode === 'array' && c === COMMA) throw new JsonExportError(`line ${line}: an empty element (",,")`);
        if (mode === 'sequence' && c !== OPEN_OBJECT) throw new JsonExportError(`line ${line}: expected "{" to open the next event`);
        started = true;
        from = i;
      }
      if (c === QUOTE) inString = true;
      else if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
      else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        if (depth === 0) {
          // The array's own "]" right after an element.
          if (mode !== 'array' || c !== CLOSE_ARRAY) throw new JsonExportError(`line ${line}: unbalanced "${String.fromCharCode(c)}"`);
          yield emitUpTo(i);
          mode = 'after';
          continue;
        }
        depth--;
        if (depth === 0 && mode === 'sequence') yield emitUpTo(i + 1);
      } else if (c === COMMA && depth === 0 && mode === 'array') {
        yield emitUpTo(i);
      }
    }
    if (started) {
      const rest = chunk.slice(from === -1 ? 0 : from);
      parts.push(rest);
      partsLength += rest.length;
      if (partsLength > MAX_ELEMENT_CHARS) throw new JsonExportError(`line ${line}: an element is longer than ${MAX_ELEMENT_CHARS} characters`);
    }
  }
  if (mode === 'array') throw new JsonExportError(`line ${line}: the file ends inside the array (no closing "]")`);
  if (started || inString || depth !== 0) throw new JsonExportError(`line ${line}: the file ends inside an event`);
}
