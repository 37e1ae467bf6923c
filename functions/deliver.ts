import { app, type InvocationContext } from '@azure/functions';
import { deliverMessage } from '../shared/delivery/deliverMessage';
import { deliveryRuntime } from '../shared/delivery/deliveryRuntime';

const deps = deliveryRuntime();

/** Completes only when every record of the message is accepted, deferred for later, or poisoned with its reason. */
export async function deliver(message: unknown, context: InvocationContext): Promise<void> {
  const outcome = await deliverMessage(message, { ...deps, log: (m) => context.log(m), warn: (m) => context.warn(m), error: (m) => context.error(m) });
  if (outcome !== 'delivered') context.log(`relay: message ${String(context.triggerMetadata?.id ?? '')} ${outcome}`);
}

// The queue name comes from the app setting; the connection is the identity-based (or connection-string) RELAY_STORAGE.
app.storageQueue('deliver', { queueName: '%RELAY_QUEUE_NAME%', connection: 'RELAY_STORAGE', handler: deliver });
