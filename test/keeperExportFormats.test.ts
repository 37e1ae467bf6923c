import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseKeeperCsv } from '../shared/ingest/keeperCsv';
import { convertKeeperExport, detectExportFormat } from '../shared/ingest/keeperExportFormat';
import { parseKeeperSyslog, parseSyslogLine } from '../shared/ingest/keeperSyslog';
import { startLocalRunner, type LocalRunner } from '../tools/localRunner';
import { clearQueue, envelopeRecords, queuedEnvelopes } from './support/queueInspection';
import { applyEnv, testRelay } from './support/relayEnv';

// The seed's examples (keeper-reporting-alerts-siem.txt, "Log File Examples"), Syslog lines ending CRLF as there.
const SEED_CSV = `audit_event,name,remote_address,category,client_version,timestamp,username,enterprise_id
audit_sync_setup,s3,12.34.56.78,policy,EMConsole.16.15.3,1698759022585,craig@keeperdemo.io,50
role_created,,12.34.56.78,policy,EMConsole.16.15.3,1698759049640,craig@keeperdemo.io,50
`;
const SEED_SYSLOG =
  '<165>1 2023-10-30T02:18:43.776Z keepersecurity.jp keeper - - - {"audit_event":"device_user_approval_requested","device_name":"iPhone","remote_address":"12.34.56.78","category":"security","client_version":"iPhone.16.9.4","username":"craig@keeperdemo.io","enterprise_id":50,"client_version_new":true}\r\n' +
  '\r\n' +
  '<165>1 2023-10-30T02:19:51.774Z keepersecurity.jp keeper - - - {"audit_event":"login","channel":"PASS","remote_address":"12.34.56.78","category":"login","client_version":"iPhone.16.9.4","username":"craig@keeperdemo.io","enterprise_id":50}\r\n';

describe('Keeper CSV export', () => {
  it("reads the seed's rows: every column kept, empty cells absent, epoch ms as ISO time, enterprise_id an integer", () => {
    expect(parseKeeperCsv(SEED_CSV)).toEqual([
      { audit_event: 'audit_sync_setup', name: 's3', remote_address: '12.34.56.78', category: 'policy', client_version: 'EMConsole.16.15.3', timestamp: '2023-10-31T13:30:22.585Z', username: 'craig@keeperdemo.io', enterprise_id: 50 },
      { audit_event: 'role_created', remote_address: '12.34.56.78', category: 'policy', client_version: 'EMConsole.16.15.3', timestamp: '2023-10-31T13:30:49.640Z', username: 'craig@keeperdemo.io', enterprise_id: 50 },
    ]);
  });

  it('reads quoted cells with commas, quotes and line breaks, CRLF rows, rows missing trailing cells, and extra columns', () => {
    const csv = '\uFEFFaudit_event,name,timestamp,record_uid,client_version_new\r\nlogin,"a, ""b""\nc",1698759022585,R1,true\r\n\r\nlogout,x\r\n';
    expect(parseKeeperCsv(csv)).toEqual([
      { audit_event: 'login', name: 'a, "b"\nc', timestamp: '2023-10-31T13:30:22.585Z', record_uid: 'R1', client_version_new: true },
      { audit_event: 'logout', name: 'x' },
    ]);
  });

  it('names the line of a bad row', () => {
    expect(() => parseKeeperCsv('audit_event,timestamp\nlogin,1\nlogin,"two\nlines",3\n')).toThrow('CSV line 4: the row has 3 cells but the header names 2 columns.');
    expect(() => parseKeeperCsv('audit_event,timestamp\nlogin,1\nlogin,yesterday\n')).toThrow('CSV line 3: column "timestamp" is not epoch milliseconds.');
    expect(() => parseKeeperCsv('audit_event,enterprise_id\nlogin,abc\n')).toThrow('CSV line 2: column "enterprise_id" is not an integer.');
    expect(() => parseKeeperCsv('audit_event,name\nlogin,"never closed\n')).toThrow(/CSV line \d+: a quoted cell is never closed/);
    expect(() => parseKeeperCsv('name,timestamp\nx,1\n')).toThrow('there is no audit_event column');
  });
});

describe('Keeper Syslog export', () => {
  it("reads the seed's CRLF lines, skipping blank ones, the header's TIMESTAMP as the event's timestamp", () => {
    const events = parseKeeperSyslog(SEED_SYSLOG);
    expect(events.map((e) => e.record)).toEqual([
      { audit_event: 'device_user_approval_requested', device_name: 'iPhone', remote_address: '12.34.56.78', category: 'security', client_version: 'iPhone.16.9.4', username: 'craig@keeperdemo.io', enterprise_id: 50, client_version_new: true, timestamp: '2023-10-30T02:18:43.776Z' },
      { audit_event: 'login', channel: 'PASS', remote_address: '12.34.56.78', category: 'login', client_version: 'iPhone.16.9.4', username: 'craig@keeperdemo.io', enterprise_id: 50, timestamp: '2023-10-30T02:19:51.774Z' },
    ]);
    // The JSON text travels exactly (numbers untouched), with the timestamp put in front.
    expect(events[1]!.text).toBe('{"timestamp":"2023-10-30T02:19:51.774Z","audit_event":"login","channel":"PASS","remote_address":"12.34.56.78","category":"login","client_version":"iPhone.16.9.4","username":"craig@keeperdemo.io","enterprise_id":50}');
  });

  it("keeps the event's own timestamp and reads structured data elements with escaped brackets", () => {
    const line = '<165>1 2023-10-30T02:18:43Z host keeper 12 ID7 [x@1 a="q\\]\\"" b="2"][y@2] {"audit_event":"login","timestamp":"2023-10-30T02:18:40.000Z","big":12345678901234567890}';
    const event = parseSyslogLine(line, 1);
    expect(event.record.timestamp).toBe('2023-10-30T02:18:40.000Z');
    expect(event.text).toContain('12345678901234567890');
  });

  it('names the number of a malformed line', () => {
    const bad = SEED_SYSLOG + 'this is not syslog\r\n';
    expect(() => parseKeeperSyslog(bad)).toThrow('Syslog line 4: not an RFC 5424 line');
    expect(() => parseSyslogLine('<165>1 2023-10-30T02:18:43.776Z h keeper - - - not json', 7)).toThrow('Syslog line 7: the message is not valid JSON');
    expect(() => parseSyslogLine('<165>1 2023-10-30 h keeper - - - {}', 2)).toThrow('Syslog line 2: the TIMESTAMP is not an RFC 5424 time.');
    expect(() => parseSyslogLine('<165>1 2023-10-30T02:18:43Z h keeper - - - [1]', 3)).toThrow('Syslog line 3: the message is not a JSON object.');
  });
});

describe('export format detection', () => {
  it('tells Syslog, CSV and JSON apart by the first line', () => {
    expect(detectExportFormat(Buffer.from(SEED_SYSLOG))).toBe('syslog');
    expect(detectExportFormat(Buffer.from(SEED_CSV))).toBe('csv');
    expect(detectExportFormat(Buffer.from('[{"audit_event":"login"}]'))).toBeUndefined();
    expect(detectExportFormat(Buffer.from('{"audit_event":"a,b"}\n'))).toBeUndefined();
  });

  it('converts an export to NDJSON of its events', () => {
    const converted = convertKeeperExport(Buffer.from(SEED_CSV), 'csv');
    expect(converted.body.toString().split('\n').map((l) => JSON.parse(l))).toEqual(converted.records);
  });
});

const relay = testRelay('exportdoor');
let runner: LocalRunner;

describe('the Keeper door over HTTP', () => {
  beforeAll(async () => {
    applyEnv(relay.env);
    runner = await startLocalRunner({ port: 0, queues: false });
  });
  afterAll(() => runner?.close());
  beforeEach(() => clearQueue(relay.connectionString, relay.queueName));

  const post = (body: string, contentType?: string) =>
    fetch(`${runner.url}/api/keeper/events`, { method: 'POST', headers: contentType ? { 'content-type': contentType } : {}, body });

  for (const [what, body, type] of [
    ['CSV by Content-Type', SEED_CSV, 'text/csv'],
    ['CSV detected', SEED_CSV, 'text/plain'],
    ['Syslog by Content-Type', SEED_SYSLOG, 'application/x-syslog'],
    ['Syslog detected', SEED_SYSLOG, undefined],
  ] as const) {
    it(`queues ${what} as NDJSON of shape-A events`, async () => {
      const response = await post(body, type);
      expect(response.status).toBe(200);
      const envelopes = await queuedEnvelopes(relay.connectionString, relay.queueName);
      expect(envelopes).toHaveLength(1);
      expect(envelopes[0]).toMatchObject({ recordCount: 2, shape: 'keeper-push', payload: { format: 'ndjson' } });
      const expected = body === SEED_CSV ? parseKeeperCsv(SEED_CSV) : parseKeeperSyslog(SEED_SYSLOG).map((e) => e.record);
      expect(await envelopeRecords(relay.connectionString, envelopes[0]!)).toEqual(expected);
    });
  }

  it('refuses a Syslog export with a bad line with 400 naming the line, and queues nothing', async () => {
    const response = await post(`${SEED_SYSLOG}<165>1 2023-10-30T02:19:51.774Z keepersecurity.jp keeper - - {"audit_event":"login"}\r\n`, 'application/x-syslog');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ Error: 'InvalidDataFormat', Message: 'Syslog line 4: the structured data is neither "-" nor [elements] (RFC 5424).' });
    expect(await queuedEnvelopes(relay.connectionString, relay.queueName)).toHaveLength(0);
  });

  it('refuses a CSV cell with a stray quote with 400 naming its line, and queues nothing', async () => {
    const response = await post('audit_event,name,timestamp\nlogin,x,1764446400000\nlogin,=HYPERLINK("x"),1764446400000\n', 'text/csv');
    expect(response.status).toBe(400);
    const { Error: code, Message: message } = (await response.json()) as { Error: string; Message: string };
    expect(code).toBe('InvalidDataFormat');
    expect(message).toMatch(/^CSV line 3: a quote inside a cell that does not start with one/);
    expect(message).not.toContain('HYPERLINK("x")');
    expect(await queuedEnvelopes(relay.connectionString, relay.queueName)).toHaveLength(0);
  });

  it('refuses a CSV row without an event type by its record', async () => {
    const response = await post('audit_event,username\nlogin,a\n,b\n', 'text/csv');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { Message: string }).Message).toContain('Record 1 (Keeper event): property "audit_event" is missing');
    expect(await queuedEnvelopes(relay.connectionString, relay.queueName)).toHaveLength(0);
  });
});
