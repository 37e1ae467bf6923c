import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createStorageHandoff } from '../shared/handoff/handoff';
import { decompressPayload } from '../shared/handoff/payloadCodec';
import { keeperPostMeta } from '../tools/bench/benchWorkspace';
import { memoryStorage } from '../tools/bench/memoryStorage';

/**
 * The hand-off builds each message's text once, splicing the base64 payload in rather than JSON-escaping it: the
 * text must still be exactly the envelope's JSON, inline or claim-check pointer. (Azurite tests cover the real queue.)
 */
describe('the hand-off message text', () => {
  it('is exactly JSON.stringify of the envelope it returns, inline and as a claim-check pointer', async () => {
    const storage = memoryStorage(1);
    const handoff = createStorageHandoff(storage.clients);
    const small = Buffer.from(JSON.stringify([{ message: 'hi "there"', n: 1 }]));
    const inline = await handoff.enqueue(keeperPostMeta(1), small, 'json');
    expect(inline.payload).toMatchObject({ kind: 'inline', encoding: 'br-base64' });
    expect(storage.kept[0]).toBe(JSON.stringify(inline));
    if (inline.payload.kind === 'inline') expect(await decompressPayload(Buffer.from(inline.payload.data, 'base64'))).toEqual(small);

    // Random text barely compresses: over 64 KiB as base64, so it goes to a blob with a pointer message.
    const large = Buffer.from(JSON.stringify([{ noise: randomBytes(60_000).toString('base64') }]));
    const pointer = await handoff.enqueue(keeperPostMeta(1), large, 'json');
    expect(pointer.payload).toMatchObject({ kind: 'blob', encoding: 'br' });
    expect(storage.kept[0]).toBe(JSON.stringify(pointer));
    expect(storage.stats.blobs).toBe(1);
  });
});
