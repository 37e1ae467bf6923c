import type { DeliverySettings } from './deliverySettings';
import { mapGeneric } from './mapGeneric';
import { mapHeartbeat } from './mapHeartbeat';
import { STREAMS } from './streamSchemas';
import { mapKeeperToLegacyCl } from './mapKeeperToLegacyCl';
import { mapKeeperToSentinel } from './mapKeeperToSentinel';
import type { MappedRows } from './mappedRows';
import type { Envelope } from './queueEnvelope';
import type { RecordContext } from './recordContext';
import type { RecordObject } from './recordRules';
import { KEEPER_LOG_TYPE } from './recordValidation';

/** Where one route's rows go: a Logs Ingestion endpoint, a DCR and one of its streams. */
export interface UploadTarget {
  name: 'keeper-sentinel' | 'keeper-legacy-cl' | 'generic' | 'heartbeat';
  endpoint: string;
  dcrImmutableId: string;
  stream: string;
}

export interface Route {
  target: UploadTarget;
  map(records: readonly RecordObject[], context: RecordContext): MappedRows;
}

/** The routes a message's records take: Keeper to the Sentinel solution's stream (and Keeper_CL when enabled), anything else to the catch-all. */
export function routesFor(envelope: Pick<Envelope, 'logType'> & Partial<Pick<Envelope, 'door'>>, settings: DeliverySettings): Route[] {
  if (envelope.door === 'heartbeat') {
    return [{ target: { name: 'heartbeat', endpoint: settings.endpoint, dcrImmutableId: settings.dcrImmutableId, stream: STREAMS.relayHeartbeat.stream }, map: mapHeartbeat }];
  }
  if (envelope.logType !== KEEPER_LOG_TYPE) {
    return [
      {
        target: { name: 'generic', endpoint: settings.endpoint, dcrImmutableId: settings.generic.dcrImmutableId ?? settings.dcrImmutableId, stream: settings.generic.stream },
        map: mapGeneric,
      },
    ];
  }
  const routes: Route[] = [
    {
      target: {
        name: 'keeper-sentinel',
        endpoint: settings.keeper.endpoint ?? settings.endpoint,
        dcrImmutableId: settings.keeper.dcrImmutableId ?? settings.dcrImmutableId,
        stream: settings.keeper.stream,
      },
      map: mapKeeperToSentinel,
    },
  ];
  if (settings.keeperCl.enabled) {
    routes.push({
      target: { name: 'keeper-legacy-cl', endpoint: settings.endpoint, dcrImmutableId: settings.keeperCl.dcrImmutableId ?? settings.dcrImmutableId, stream: settings.keeperCl.stream },
      map: mapKeeperToLegacyCl,
    });
  }
  return routes;
}
