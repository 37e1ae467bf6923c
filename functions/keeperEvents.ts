import { app } from '@azure/functions';
import './httpStreaming';
import { createKeeperEventsHandler } from '../shared/ingest/keeperIngest';
import { relayRuntime } from '../shared/settings/relayRuntime';

export const keeperEvents = createKeeperEventsHandler(relayRuntime());

// The Functions key is the authentication: raw Keeper JSON carries no signature.
app.http('keeperEvents', { route: 'keeper/events', methods: ['POST'], authLevel: 'function', handler: keeperEvents });
