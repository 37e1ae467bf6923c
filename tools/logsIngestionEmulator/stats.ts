import type { FaultKind } from './faults';
import { MAX_CONTENT_BYTES } from './limits';
import type { RowLosses } from './validation';

/** Size of accepted request bodies, uncompressed (what the 1 MB limit is measured on). */
export interface RequestSizeStats {
  total: number;
  count: number;
  mean: number;
  max: number;
  /** Calls by size in tenths of the 1 MB limit: index i counts sizes in [i/10, (i+1)/10) of it (10: at the limit). */
  tenths: number[];
}

/** Everything the real service would lose silently, per stream. */
export interface DropStats {
  undeclaredProperties: Record<string, Record<string, number>>;
  typeMismatches: Record<string, Record<string, number>>;
  truncatedValues: Record<string, Record<string, number>>;
  staleTimeGenerated: Record<string, number>;
}

export interface EmulatorStats {
  /** Requests to the ingestion route, whatever their outcome. */
  calls: number;
  /** Calls answered 204 (including `slow` ones). */
  acceptedCalls: number;
  acceptedRows: number;
  rowsByStream: Record<string, number>;
  /** Answers by status code; `reset` for connections destroyed on purpose. */
  responses: Record<string, number>;
  /** Injected faults by kind. */
  faults: Partial<Record<FaultKind, number>>;
  /** Accepted calls that arrived gzip-compressed (the SDK always compresses). */
  gzipCalls: number;
  requestBytes: RequestSizeStats;
  drops: DropStats;
}

function emptyStats(): EmulatorStats {
  return {
    calls: 0,
    acceptedCalls: 0,
    acceptedRows: 0,
    rowsByStream: {},
    responses: {},
    faults: {},
    gzipCalls: 0,
    requestBytes: { total: 0, count: 0, mean: 0, max: 0, tenths: new Array<number>(11).fill(0) },
    drops: { undeclaredProperties: {}, typeMismatches: {}, truncatedValues: {}, staleTimeGenerated: {} },
  };
}

function addCounts(target: Record<string, Record<string, number>>, stream: string, counts: Record<string, number>): void {
  if (Object.keys(counts).length === 0) return;
  const perStream = (target[stream] ??= {});
  for (const [key, n] of Object.entries(counts)) perStream[key] = (perStream[key] ?? 0) + n;
}

/** Counters the tests and the benchmark read; snapshots are copies so callers cannot disturb them. */
export class StatsRecorder {
  private stats = emptyStats();

  call(): void {
    this.stats.calls++;
  }

  response(status: number | 'reset'): void {
    const key = String(status);
    this.stats.responses[key] = (this.stats.responses[key] ?? 0) + 1;
  }

  fault(kind: FaultKind): void {
    this.stats.faults[kind] = (this.stats.faults[kind] ?? 0) + 1;
  }

  accepted(stream: string, rows: number, uncompressedBytes: number, gzip: boolean, losses: RowLosses): void {
    const s = this.stats;
    s.acceptedCalls++;
    s.acceptedRows += rows;
    s.rowsByStream[stream] = (s.rowsByStream[stream] ?? 0) + rows;
    if (gzip) s.gzipCalls++;
    const size = s.requestBytes;
    size.total += uncompressedBytes;
    size.count++;
    size.mean = size.total / size.count;
    size.max = Math.max(size.max, uncompressedBytes);
    size.tenths[Math.min(10, Math.floor((uncompressedBytes * 10) / MAX_CONTENT_BYTES))]!++;
    addCounts(s.drops.undeclaredProperties, stream, losses.undeclaredProperties);
    addCounts(s.drops.typeMismatches, stream, losses.typeMismatches);
    addCounts(s.drops.truncatedValues, stream, losses.truncatedValues);
    if (losses.staleTimeGenerated > 0) {
      s.drops.staleTimeGenerated[stream] = (s.drops.staleTimeGenerated[stream] ?? 0) + losses.staleTimeGenerated;
    }
  }

  snapshot(): EmulatorStats {
    return structuredClone(this.stats);
  }

  reset(): void {
    this.stats = emptyStats();
  }
}
