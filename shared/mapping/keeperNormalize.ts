import { keeperShapeOf } from './keeperEvent';
import type { RecordObject } from '../ingest/recordRules';

/**
 * One Keeper event, whatever shape it came in, in the Sentinel solution's vocabulary: the envelope fields, the raw
 * event time, and every other attribute (shape B's `data` merged in; shape C's names mapped).
 */
export interface NormalizedKeeperEvent {
  audit_event?: string;
  remote_address?: string;
  category?: string;
  client_version?: string;
  username?: string;
  enterprise_id?: number;
  /** The event time as sent: ISO text, or epoch seconds/milliseconds. */
  time?: unknown;
  attributes: RecordObject;
}

/** Shape C (Commander) names for the same facts. */
const COMMANDER_RENAMES: Record<string, string> = {
  audit_event_type: 'audit_event',
  ip_address: 'remote_address',
  keeper_version: 'client_version',
  status: 'result_code',
  created: 'timestamp',
};

const ENVELOPE = new Set(['audit_event', 'remote_address', 'category', 'client_version', 'username', 'enterprise_id', 'timestamp']);

export function normalizeKeeperEvent(record: RecordObject): NormalizedKeeperEvent {
  const shape = keeperShapeOf(record);
  const renames = shape === 'keeper-commander' ? COMMANDER_RENAMES : undefined;
  const event: NormalizedKeeperEvent = { attributes: {} };
  const nested = shape === 'keeper-azure-monitor' && record.data !== null && typeof record.data === 'object' ? (record.data as RecordObject) : undefined;
  if (nested) Object.assign(event.attributes, nested);

  for (const key in record) {
    const value = record[key];
    if (nested && key === 'data') continue;
    const name = renames && Object.hasOwn(renames, key) ? renames[key]! : key;
    if (ENVELOPE.has(name) && value !== null && value !== undefined) {
      if (name === 'timestamp') event.time = value;
      else (event as unknown as RecordObject)[name] = value;
      // Commander's `created` stays visible in data when both it and `timestamp` are present.
      if (name === 'timestamp' && key === 'created' && Object.hasOwn(record, 'timestamp')) event.attributes.created = value;
      continue;
    }
    // Keep the top-level value when shape B also carries the same name inside data.
    const target = Object.hasOwn(event.attributes, name) && event.attributes[name] !== value ? `${name}_top` : name;
    event.attributes[target] = value;
  }
  return event;
}
