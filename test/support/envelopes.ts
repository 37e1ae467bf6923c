import { randomUUID } from 'node:crypto';
import type { Envelope } from '../../shared/handoff/queueEnvelope';

/** A valid envelope as the HTTP door writes it, for tests that start at the queue. */
export function testEnvelope(workspaceId: string, overrides: Partial<Envelope> = {}): Envelope {
  return {
    v: 1,
    requestId: randomUUID(),
    door: 'legacy',
    workspaceId,
    logType: 'Keeper',
    receivedAt: new Date().toISOString(),
    shape: 'keeper-push',
    recordCount: 1,
    payload: { kind: 'inline', encoding: 'br-base64', format: 'json', data: 'AA==' },
    ...overrides,
  };
}
