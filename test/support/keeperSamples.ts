import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Keeper's troubleshooting-script events (shape A), as shipped for `npm run send-sample`. */
export const keeperPushEvents: Array<Record<string, unknown>> = JSON.parse(
  readFileSync(path.join(__dirname, '..', '..', 'tools', 'samples', 'keeper-troubleshooting-events.json'), 'utf8'),
);

/** Shape B, Keeper's "Azure Monitor Logs" format (seeds/keeper-azure-monitor-*). */
export const keeperAzureMonitorEvent = {
  TimeGenerated: '2025-01-12T00:03:44.743Z',
  audit_event: 'record_update',
  remote_address: '11.22.33.44',
  category: 'usage',
  client_version: 'Web App.14.2.4',
  username: 'user@company.com',
  enterprise_id: 6557,
  timestamp: '2025-01-12T00:03:44.743Z',
  data: { record_uid: 'AbCdEfGhIjKlMnOpQrStUv', folder_uid: 'Zyxwvutsrqponmlkjihgfe', some_flag: true },
};

/** Shape C, a Keeper Commander `audit-log --target azure-la` row. */
export function commanderRow(i: number): Record<string, unknown> {
  return {
    audit_event_type: i % 2 ? 'login' : 'record_add',
    username: `user${i}@company.com`,
    ip_address: `10.0.${i % 250}.${(i * 7) % 250}`,
    keeper_version: 'Commander.16.11.0',
    timestamp: '2025-01-12T00:03:44Z',
    ...(i % 3 === 0 ? { record_uid: `rec${i}`, status: 'success' } : {}),
  };
}

/** A Commander batch: 250 events per POST, ASCII-escaped JSON like Python's json.dumps. */
export function commanderBatch(size = 250): Array<Record<string, unknown>> {
  return Array.from({ length: size }, (_, i) => commanderRow(i));
}
