import type { QueueClient } from '@azure/storage-queue';
import type { StepResult } from './report';

/**
 * Whether the probe's message is in the relay queue (waiting for delivery), in the poison queue (delivery gave up),
 * or already taken by delivery. Looks at the first 32 messages of each queue (peek: nothing is consumed).
 */
export async function checkQueued(queue: QueueClient | undefined, poison: QueueClient | undefined, requestId: string | undefined): Promise<StepResult> {
  if (!queue || !poison || !requestId) {
    return { step: 'Message queued', status: 'skip', detail: 'no storage settings to look with (the 200 already means the message was queued)', fix: 'Run with `azd env get-values` exported (RELAY_STORAGE__queueServiceUri) or RELAY_STORAGE, with a queue data role, to look.' };
  }
  try {
    const has = async (q: QueueClient) => {
      // A queue that does not exist yet (the poison queue before the first failure, locally) holds nothing.
      if (!(await q.exists())) return false;
      return (await q.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.some((m) => m.messageText.includes(requestId));
    };
    if (await has(poison)) {
      return { step: 'Message queued', status: 'fail', detail: `request ${requestId} is in ${poison.name}: delivery gave up on it`, fix: 'Read the reason with `npm run redrive -- --list`, fix it (DCR, roles, endpoint), then `npm run redrive`.' };
    }
    if (await has(queue)) return { step: 'Message queued', status: 'pass', detail: `request ${requestId} waits in ${queue.name} for delivery` };
    return { step: 'Message queued', status: 'pass', detail: `request ${requestId} is no longer in ${queue.name}: delivery has taken it` };
  } catch (error) {
    return { step: 'Message queued', status: 'skip', detail: `could not read the queue (${(error as Error).message.split('\n')[0]})`, fix: 'Grant yourself Storage Queue Data Reader on the relay queue to look, or rely on the next step.' };
  }
}
