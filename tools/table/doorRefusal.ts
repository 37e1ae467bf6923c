import { checkRecord } from '../../shared/ingest/recordRules';

/**
 * Why the door refuses a record carrying this top-level property (a reserved name such as `tenant` or
 * `TimeGenerated`, a prototype key such as `__proto__` or `constructor`, control characters, an over-long name), or
 * undefined when it accepts it. Asks the door's own rules (shared/ingest/recordRules.ts `checkRecord`) rather than a
 * copy of them, so a table never gets a column that no accepted record can fill.
 */
export function doorRefusal(property: string): string | undefined {
  try {
    // A computed key makes `__proto__` an own property, as JSON.parse does.
    checkRecord({ [property]: null }, 0);
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^Record 0: /, '').replace(/\.$/, '');
  }
}
