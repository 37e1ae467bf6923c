import type { Envelope } from '../handoff/queueEnvelope';

/** What a mapper knows about the request a record came in. */
export interface RecordContext {
  envelope: Envelope;
  receivedAt: Date;
}
