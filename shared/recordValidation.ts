import { z } from 'zod';
import { KEEPER_ENVELOPE_SCHEMAS, keeperShapeOf, type KeeperShape } from './keeperEvent';
import { invalidData } from './legacyError';
import type { RecordShape } from './queueEnvelope';
import { checkRecord, type RecordObject } from './recordRules';

/** Keeper's Log-Type: its records land in Keeper_CL and must be Keeper events. */
export const KEEPER_LOG_TYPE = 'Keeper';

export interface ValidatedRecords {
  records: RecordObject[];
  shape: RecordShape;
}

function issueText(issue: z.core.$ZodIssue, record: RecordObject): string {
  const path = issue.path.map(String).join('.');
  const present = issue.path.length > 0 && Object.hasOwn(record, String(issue.path[0]));
  if (issue.code === 'invalid_type' && !present) return `property "${path}" is missing`;
  return `property "${path}" ${issue.message.replace(/^Invalid input: /, 'is invalid: ')}`;
}

function checkKeeperEvent(record: RecordObject, index: number): KeeperShape {
  const shape = keeperShapeOf(record);
  const result = KEEPER_ENVELOPE_SCHEMAS[shape].safeParse(record);
  if (!result.success) {
    const name = shape === 'keeper-commander' ? 'Keeper Commander row' : 'Keeper event';
    throw invalidData(`Record ${index} (${name}): ${issueText(result.error.issues[0]!, record)}.`);
  }
  return shape;
}

/**
 * Validates every record of a request; the first bad one refuses the request whole,
 * so a request is accepted entirely or not at all.
 */
export function validateRecords(logType: string, values: unknown[]): ValidatedRecords {
  const keeper = logType === KEEPER_LOG_TYPE;
  const shapes = new Set<RecordShape>();
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (keeper) {
      checkRecord(value, i, { allowTimeGenerated: true });
      shapes.add(checkKeeperEvent(value, i));
    } else {
      checkRecord(value, i);
    }
  }
  const shape: RecordShape = !keeper ? 'generic' : shapes.size === 1 ? [...shapes][0]! : 'keeper-mixed';
  return { records: values as RecordObject[], shape };
}
