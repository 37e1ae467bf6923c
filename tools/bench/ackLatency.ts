import { randomUUID } from 'node:crypto';
import type { QueueClient } from '@azure/storage-queue';
import { createStorageHandoff } from '../../shared/handoff';
import { loadSettings } from '../../shared/settings';
import { createStorageClients } from '../../shared/storageClients';
import { LEGACY_PATH, WORKSPACE_ID, relayEnv, signedKeeperHeaders } from './benchWorkspace';
import { httpPost, keepAliveAgent } from './httpPost';
import { EVENTS_PER_POST } from './keeperEvents';
import { loadRun, type LoadResult } from './loadRun';
import { memoryStorage } from './memoryStorage';
import { startRelayProcess } from './relayProcess';
import { merged, withCpu, type SideResult } from './sideResult';

const RELAY_QUEUE = 'bench-relay';
const BARE_QUEUE = 'bench-bare';

export interface AckOptions {
  concurrency: number;
  maxOps: number;
  maxMs: number;
  warmupOps: number;
  /** Rounds per side; maxOps and maxMs are split between them. */
  rounds: number;
}

export interface AzuriteTarget {
  connectionString: string;
  pid: number | undefined;
}

export interface AckResult {
  bare: SideResult;
  relay: SideResult;
  messageChars: number;
}

/** The exact queue message texts the relay writes for these bodies, produced by its own hand-off code. */
async function relayMessageTexts(bodies: Buffer[]): Promise<string[]> {
  const storage = memoryStorage(bodies.length);
  const handoff = createStorageHandoff(storage.clients);
  for (const body of bodies) {
    const meta = {
      requestId: randomUUID(),
      door: 'legacy' as const,
      workspaceId: WORKSPACE_ID,
      logType: 'Keeper',
      receivedAt: new Date().toISOString(),
      shape: 'keeper-push' as const,
      recordCount: EVENTS_PER_POST,
    };
    await handoff.enqueue(meta, body, 'json');
  }
  return storage.kept;
}

/** A queue client built the way the relay builds its own (same retry policy, same SDK pipeline). */
function queueClient(connectionString: string, queue: string): QueueClient {
  const settings = loadSettings(relayEnv(connectionString, queue, `${queue}-payloads`));
  return createStorageClients(settings.storage, queue, `${queue}-payloads`).queue;
}

async function drained(queue: QueueClient): Promise<void> {
  await queue.createIfNotExists();
  await queue.clearMessages();
}

async function counted(queue: QueueClient, run: LoadResult): Promise<SideResult> {
  const { approximateMessagesCount = -1 } = await queue.getProperties();
  return { ...run, queued: approximateMessagesCount };
}

/**
 * Bare queue writes and relay posts against the same Azurite at the same concurrency, in alternating rounds
 * (bare, relay, bare, relay...) so drift in the machine's load hits both sides alike. Each side's queue is
 * counted and emptied after its round, so every round starts against an Azurite holding the same data.
 */
export async function measureAckLatency(azurite: AzuriteTarget, bodies: Buffer[], o: AckOptions): Promise<AckResult> {
  const { connectionString } = azurite;
  const texts = await relayMessageTexts(bodies);
  const bareQueue = queueClient(connectionString, BARE_QUEUE);
  const relayQueue = queueClient(connectionString, RELAY_QUEUE);
  const relay = await startRelayProcess(relayEnv(connectionString, RELAY_QUEUE, `${RELAY_QUEUE}-payloads`));
  const agent = keepAliveAgent(o.concurrency);
  try {
    const postUrl = `${relay.url}${LEGACY_PATH}`;
    const bareRun = (maxOps: number, maxMs: number) =>
      loadRun({
        concurrency: o.concurrency,
        maxOps,
        maxMs,
        prepare: (i) => texts[i % texts.length]!,
        send: async (text) => void (await bareQueue.sendMessage(text, { messageTimeToLive: -1 })),
      });
    const relayRun = (maxOps: number, maxMs: number) =>
      loadRun({
        concurrency: o.concurrency,
        maxOps,
        maxMs,
        // Signed fresh for every post, as a sender would: x-ms-date is now.
        prepare: (i) => {
          const body = bodies[i % bodies.length]!;
          return { body, headers: signedKeeperHeaders(body) };
        },
        send: async ({ body, headers }) => {
          const status = await httpPost(postUrl, headers, body, agent);
          if (status !== 200) throw new Error(`relay answered ${status}`);
        },
      });
    const sides = [
      { queue: bareQueue, run: bareRun, rounds: [] as SideResult[] },
      { queue: relayQueue, run: relayRun, rounds: [] as SideResult[] },
    ] as const;

    // Warm-up: opens the keep-alive connections, lets the relay create its queue, and warms both JITs.
    for (const side of sides) await drained(side.queue);
    for (const side of sides) await side.run(o.warmupOps, o.maxMs);
    for (const side of sides) await drained(side.queue);

    for (let round = 0; round < o.rounds; round++) {
      for (const side of sides) {
        const { result, ...cpu } = await withCpu({ relay: relay.pid, azurite: azurite.pid }, () =>
          side.run(Math.ceil(o.maxOps / o.rounds), o.maxMs / o.rounds),
        );
        side.rounds.push({ ...(await counted(side.queue, result)), ...cpu });
        await drained(side.queue);
      }
    }
    return {
      bare: merged(sides[0].rounds),
      relay: merged(sides[1].rounds),
      messageChars: texts.reduce((n, t) => n + t.length, 0) / texts.length,
    };
  } finally {
    agent.destroy();
    await relay.stop();
  }
}
