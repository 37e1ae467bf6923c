import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Accepted rows, one NDJSON file per stream (`<dataDir>/<stream>.ndjson`), one row per line exactly as stored.
 * Appends are synchronous on purpose: a batch is on disk before its 204 goes out (as with the real service, an
 * answered call is durable), and concurrent requests cannot interleave lines. Batches are at most 1 MB.
 */
export class RowStore {
  constructor(
    private readonly dataDir: string,
    private readonly streams: readonly string[],
  ) {
    mkdirSync(dataDir, { recursive: true });
  }

  private file(stream: string): string {
    // Only streams from the emulator's own configuration reach here, and their names are checked to be plain.
    if (!this.streams.includes(stream)) throw new Error(`Stream ${stream} is not declared on any DCR of this emulator`);
    return path.join(this.dataDir, `${stream}.ndjson`);
  }

  append(stream: string, rows: readonly Record<string, unknown>[]): void {
    if (rows.length === 0) return;
    appendFileSync(this.file(stream), rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
  }

  async read(stream: string): Promise<Record<string, unknown>[]> {
    return (await this.readTexts(stream)).map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** The stored rows' JSON texts, numbers exactly as sent. */
  async readTexts(stream: string): Promise<string[]> {
    let text: string;
    try {
      text = await readFile(this.file(stream), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return text.split('\n').filter((line) => line.length > 0);
  }

  /** Forget every stored row of this emulator's streams (files of other streams in the folder are left alone). */
  clear(): void {
    for (const stream of this.streams) rmSync(this.file(stream), { force: true });
  }
}
