import type { StorageClients } from '../../shared/handoff/storageClients';

/**
 * Stand-ins for the queue and container clients with only the methods createStorageHandoff calls, so the real
 * hand-off (compression, base64, JSON.stringify, size check) runs and only the network write is left out.
 * Messages are counted, not kept: a several-second run would otherwise hold hundreds of MB.
 */
export interface MemoryStorage {
  clients: StorageClients;
  stats: { messages: number; messageChars: number; blobs: number };
  /** The most recent message text per slot (slot = message number % keep), for replaying comparable envelopes. */
  kept: string[];
}

export function memoryStorage(keep = 0): MemoryStorage {
  const stats = { messages: 0, messageChars: 0, blobs: 0 };
  const kept: string[] = [];
  const queue = {
    createIfNotExists: async () => ({ succeeded: true }),
    sendMessage: async (text: string) => {
      if (keep > 0) kept[stats.messages % keep] = text;
      stats.messages++;
      stats.messageChars += text.length;
      return {};
    },
  };
  const container = {
    containerName: 'bench-memory',
    createIfNotExists: async () => ({ succeeded: true }),
    getBlockBlobClient: () => ({
      uploadData: async () => void stats.blobs++,
      deleteIfExists: async () => ({ succeeded: true }),
    }),
  };
  // Only the methods above are reachable from createStorageHandoff; the cast documents that narrow contract.
  return { clients: { queue, container } as unknown as StorageClients, stats, kept };
}
