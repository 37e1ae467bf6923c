import { app } from '@azure/functions';
import './httpStreaming';
import { createLegacyLogsHandler } from '../shared/ingest/legacyIngest';
import { relayRuntime } from '../shared/settings/relayRuntime';

export const legacyLogs = createLegacyLogsHandler(relayRuntime());

// Anonymous: the SharedKey signature is the authentication, exactly as on the retired service.
app.http('legacyLogs', { route: 'logs', methods: ['POST'], authLevel: 'anonymous', handler: legacyLogs });
