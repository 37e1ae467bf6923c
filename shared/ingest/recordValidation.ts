import { z } from 'zod';
import { KEEPER_ENVELOPE_SCHEMAS, keeperShapeOf, type KeeperShape } from '../mapping/keeperEvent';
import { isValidKeeperEnvelope } from './keeperEnvelopeCheck';
import { invalidData } from './legacyError';
import type { RecordShape } from '../handoff/queueEnvelope';
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
  // The common case without zod; zod decides (and words the error) whenever the fast check is not sure.
  if (isValidKeeperEnvelope(shape, record)) return shape;
  const result = KEEPER_ENVELOPE_SCHEMAS[shape].safeParse(record);
  if (!result.success) {
    const name = shape === 'keeper-commander' ? 'Keeper Commander row' : 'Keeper event';
    throw invalidData(`Record ${index} (${name}): ${issueText(result.error.issues[0]!, record)}.`);
  }
  return shape;
}

/** Checks records one at a time (the door streams them), remembering which Keeper shapes it saw. */
export interface RecordChecker {
  /** Throws InvalidDataFormat naming the record index and property. */
  check(value: unknown, index: number): void;
  shape(): RecordShape;
}

export function recordChecker(logType: string): RecordChecker {
  const keeper = logType === KEEPER_LOG_TYPE;
  const shapes = new Set<RecordShape>();
  return {
    check(value, index) {
      if (keeper) {
        checkRecord(value, index, { allowTimeGenerated: true });
        shapes.add(checkKeeperEvent(value, index));
      } else {
        checkRecord(value, index);
      }
    },
    shape: () => (!keeper ? 'generic' : shapes.size === 1 ? [...shapes][0]! : 'keeper-mixed'),
  };
}

/**
 * Validates every record of a request; the first bad one refuses the request whole,
 * so a request is accepted entirely or not at all.
 */
export function validateRecords(logType: string, values: unknown[]): ValidatedRecords {
  const checker = recordChecker(logType);
  values.forEach((value, i) => checker.check(value, i));
  return { records: values as RecordObject[], shape: checker.shape() };
}
