import type { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { QueueClient } from '@azure/storage-queue';
import { createStorageHandoff } from '../../shared/handoff/handoff';
import { loadSettings } from '../../shared/settings/settings';
import { createStorageClients } from '../../shared/handoff/storageClients';
import { LEGACY_PATH, keeperPostMeta, relayEnv, signedKeeperHeaders } from './benchWorkspace';
import { httpPost } from './httpPost';
import { EVENTS_PER_POST } from './keeperEvents';
import type { LoadResult } from './loadRun';
import { memoryStorage } from './memoryStorage';
import type { SideResult } from './sideResult';

/** A side of the ack comparison: the queue it ends up in, and how to send operation i. */
export interface AckSide {
  queue: QueueClient;
  /** Untimed set-up of operation i (picking, signing); the returned function is the timed send a sender waits on. */
  prepare: (i: number) => () => Promise<void>;
}

/** The exact queue message texts the relay writes for these bodies, produced by its own hand-off code. */
export async function relayMessageTexts(bodies: Buffer[]): Promise<string[]> {
  const storage = memoryStorage(bodies.length);
  const handoff = createStorageHandoff(storage.clients);
  for (const body of bodies) {
    const meta = keeperPostMeta(EVENTS_PER_POST);
    await handoff.enqueue(meta, body, 'json');
  }
  return storage.kept;
}

/** A queue client built the way the relay builds its own (same retry policy, same SDK pipeline). */
export function queueClient(connectionString: string, queue: string): QueueClient {
  const settings = loadSettings(relayEnv(connectionString, queue, `${queue}-payloads`));
  return createStorageClients(settings.storage, queue, `${queue}-payloads`).queue;
}

/** Bare side: the relay's own message texts written straight to the queue, as the relay's hand-off writes them. */
export function bareSide(queue: QueueClient, texts: string[]): AckSide {
  return {
    queue,
    prepare: (i) => {
      const text = texts[i % texts.length]!;
      return async () => void (await queue.sendMessage(text, { messageTimeToLive: -1 }));
    },
  };
}

/**
 * Relay side: a signed legacy post over a keep-alive connection, acked once the whole 200 answer is read.
 * `stamp` (profileAck only) adds the send time as x-bench-sent, so the profiled relay can tell how long a post
 * took to reach its handler.
 */
export function relaySide(queue: QueueClient, relayUrl: string, bodies: Buffer[], agent: Agent, stamp = false): AckSide {
  const postUrl = `${relayUrl}${LEGACY_PATH}`;
  return {
    queue,
    prepare: (i) => {
      const body = bodies[i % bodies.length]!;
      // Signed fresh for every post, as a sender would: x-ms-date is now.
      const headers = signedKeeperHeaders(body);
      return async () => {
        if (stamp) headers['x-bench-sent'] = String(performance.timeOrigin + performance.now());
        const status = await httpPost(postUrl, headers, body, agent);
        if (status !== 200) throw new Error(`relay answered ${status}`);
      };
    },
  };
}

export async function drained(queue: QueueClient): Promise<void> {
  await queue.createIfNotExists();
  await queue.clearMessages();
}

export async function counted(queue: QueueClient, run: LoadResult): Promise<SideResult> {
  const { approximateMessagesCount = -1 } = await queue.getProperties();
  return { ...run, queued: approximateMessagesCount };
}
