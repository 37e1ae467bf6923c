/**
 * The service stores a dynamic number as long or real by how it is written (`3` vs `3.0`), and keeps integers up to
 * 64 bits exact; JSON.parse would not. The emulator keeps such numbers as JSON.rawJSON values, so stored rows show
 * what the relay sent. Only bodies with such a number pay for the reviver.
 */

declare global {
  interface JSON {
    rawJSON(text: string): { readonly rawJSON: string };
    isRawJSON(value: unknown): boolean;
  }
}

const NUMBER_TOKEN = /[:[,]\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(?=\s*[,}\]])/g;

function changedByParse(text: string): boolean {
  const n = Number(text);
  return String(n) !== text;
}

/** JSON.parse, except that numbers JSON.parse would change (type or digits) stay as raw JSON numbers. */
export function parseKeepingNumberForms(text: string): unknown {
  NUMBER_TOKEN.lastIndex = 0;
  let fragile = false;
  for (let m = NUMBER_TOKEN.exec(text); m && !fragile; m = NUMBER_TOKEN.exec(text)) fragile = changedByParse(m[1]!);
  if (!fragile) return JSON.parse(text);
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' && context?.source !== undefined && changedByParse(context.source) ? JSON.rawJSON(context.source) : value,
  );
}

/** A raw number's text, or undefined for any other value. */
export function rawNumberText(value: unknown): string | undefined {
  return JSON.isRawJSON(value) ? (value as { rawJSON: string }).rawJSON : undefined;
}
