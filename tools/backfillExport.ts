import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { StringDecoder } from 'node:string_decoder';
import { parse as csvParser } from 'csv-parse';
import { csvCell, csvErrorText, csvLineCounter, KEEPER_CSV_OPTIONS, keeperCsvHeader, keeperCsvRecord, type CsvParsedRow } from '../shared/ingest/keeperCsv';
import { EXPORT_CONTENT_TYPES } from '../shared/ingest/keeperExportFormat';
import { normalizeKeeperEvent } from '../shared/mapping/keeperNormalize';
import { parseSyslogLine } from '../shared/ingest/keeperSyslog';
import { isPlainObject, type RecordObject } from '../shared/ingest/recordRules';
import { KEEPER_LOG_TYPE, validateRecords } from '../shared/ingest/recordValidation';
import { parseEventTime } from '../shared/mapping/timeGenerated';
import { jsonElements } from './backfillJsonSplitter';

/**
 * Streamed reading of Keeper's export files (JSON, CSV, Syslog; keeper-events.md shape D): one event at a time, each
 * with the text it is sent as, checked the way the door checks it, so a bad event is reported by line and left out
 * instead of refusing a whole request.
 */

export type ExportFormat = 'json' | 'csv' | 'syslog';

export interface ExportEvent {
  /** 0-based position among the file's events: the checkpoint counts these. */
  index: number;
  /** 1-based line the event ends on. */
  line: number;
  /** The event as it is sent: a JSON element, a CSV row, or a Syslog line. */
  text: string;
  /** Why the door would refuse it; such events are reported, not sent. */
  problem?: string;
  /** The event time (Keeper's `timestamp`), when it has one. */
  time?: Date;
}

export interface ExportFile {
  format: ExportFormat;
  /** Text that opens every request body (the CSV header row). */
  preamble?: string;
  events: AsyncGenerator<ExportEvent>;
  /** Bytes of the file read so far. */
  bytesRead(): number;
}

/** A problem with the file as a whole (not one event): reading stops there. */
export class ExportFileError extends Error {
  override name = 'ExportFileError';
}

/** What the door would say about one record, with the record's number replaced by the file line. */
function recordProblem(record: unknown): string | undefined {
  try {
    validateRecords(KEEPER_LOG_TYPE, [record]);
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^Record 0 /, '');
  }
}

function eventTime(record: RecordObject): Date | undefined {
  return parseEventTime(normalizeKeeperEvent(record).time);
}

function checked(index: number, line: number, text: string, read: () => unknown): ExportEvent {
  let record: unknown;
  try {
    record = read();
  } catch (error) {
    return { index, line, text, problem: (error as Error).message };
  }
  const problem = recordProblem(record);
  if (problem) return { index, line, text, problem };
  return { index, line, text, time: isPlainObject(record) ? eventTime(record) : undefined };
}

function countingStream(file: string, counter: { bytes: number }) {
  const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
  stream.on('data', (chunk) => (counter.bytes += chunk.length));
  return stream;
}

async function* decoded(stream: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  for await (const chunk of stream) yield decoder.write(chunk);
  const rest = decoder.end();
  if (rest) yield rest;
}

async function* jsonEvents(file: string, counter: { bytes: number }): AsyncGenerator<ExportEvent> {
  let index = 0;
  try {
    for await (const { text, line } of jsonElements(decoded(countingStream(file, counter)))) {
      yield checked(index++, line, text, () => {
        const value: unknown = JSON.parse(text);
        if (!isPlainObject(value)) throw new Error(`line ${line}: the element is not a JSON object`);
        return value;
      });
    }
  } catch (error) {
    throw new ExportFileError((error as Error).message);
  }
}

async function* syslogEvents(file: string, counter: { bytes: number }): AsyncGenerator<ExportEvent> {
  const lines = createInterface({ input: countingStream(file, counter), crlfDelay: Infinity });
  let index = 0;
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    yield checked(index++, lineNumber, line, () => parseSyslogLine(line, lineNumber).record);
  }
}

async function csvFile(file: string, counter: { bytes: number }): Promise<ExportFile> {
  const rows = countingStream(file, counter).pipe(csvParser(KEEPER_CSV_OPTIONS));
  const iterator = rows[Symbol.asyncIterator]() as AsyncIterator<CsvParsedRow>;
  const next = async (): Promise<IteratorResult<CsvParsedRow>> => {
    try {
      return await iterator.next();
    } catch (error) {
      throw new ExportFileError(csvErrorText(error));
    }
  };
  const first = await next();
  if (first.done) return { format: 'csv', events: (async function* () {})(), bytesRead: () => counter.bytes };
  const lineOf = csvLineCounter();
  lineOf(first.value);
  let header: string[];
  try {
    header = keeperCsvHeader(first.value.record);
  } catch (error) {
    rows.destroy();
    throw new ExportFileError((error as Error).message);
  }
  async function* events(): AsyncGenerator<ExportEvent> {
    let index = 0;
    for (let row = await next(); !row.done; row = await next()) {
      const cells = row.value.record;
      const line = lineOf(row.value);
      // Re-written cell by cell: the same cells reach the door whatever quoting the file used.
      const text = cells.map(csvCell).join(',');
      yield checked(index++, line, text, () => keeperCsvRecord(header, cells, line));
    }
  }
  return { format: 'csv', preamble: header.map(csvCell).join(','), events: events(), bytesRead: () => counter.bytes };
}

/** The format of an export file: by extension, else by its first bytes. */
export async function exportFormatOf(file: string): Promise<ExportFormat> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.json' || ext === '.ndjson' || ext === '.jsonl') return 'json';
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    const head = buffer.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '').trimStart();
    if (/^<\d{1,3}>\d/.test(head)) return 'syslog';
    if (head.startsWith('[') || head.startsWith('{')) return 'json';
    if (/(^|,)"?audit_event"?(,|\r?\n)/.test(head.split('\n', 1)[0] + '\n')) return 'csv';
  } finally {
    await handle.close();
  }
  throw new ExportFileError('not a Keeper export (JSON array, CSV with an audit_event column, or RFC 5424 Syslog lines)');
}

/** Opens an export for streamed reading. Errors: ExportFileError for a file that is not a Keeper export. */
export async function openExport(file: string): Promise<ExportFile> {
  const format = await exportFormatOf(file);
  const counter = { bytes: 0 };
  if (format === 'csv') return csvFile(file, counter);
  const events = format === 'json' ? jsonEvents(file, counter) : syslogEvents(file, counter);
  return { format, events, bytesRead: () => counter.bytes };
}

/** A request body of some of a file's events, in the file's own format, and its Content-Type. */
export function requestBody(file: Pick<ExportFile, 'format' | 'preamble'>, events: readonly ExportEvent[]): { body: string; contentType: string } {
  const texts = events.map((e) => e.text);
  if (file.format === 'json') return { body: `[${texts.join(',')}]`, contentType: 'application/json; charset=utf-8' };
  if (file.format === 'csv') return { body: `${file.preamble}\n${texts.join('\n')}\n`, contentType: EXPORT_CONTENT_TYPES.csv };
  return { body: `${texts.join('\n')}\n`, contentType: EXPORT_CONTENT_TYPES.syslog };
}
