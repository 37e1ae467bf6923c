import type { DeliverySettings } from './deliverySettings';
import { mapGeneric } from './mapGeneric';
import { mapKeeperToLegacyCl } from './mapKeeperToLegacyCl';
import { mapKeeperToSentinel } from './mapKeeperToSentinel';
import type { MappedRows } from './mappedRows';
import type { Envelope } from './queueEnvelope';
import type { RecordContext } from './recordContext';
import type { RecordObject } from './recordRules';
import { KEEPER_LOG_TYPE } from './recordValidation';

/** Where one route's rows go: a Logs Ingestion endpoint, a DCR and one of its streams. */
export interface UploadTarget {
  name: 'keeper-sentinel' | 'keeper-legacy-cl' | 'generic';
  endpoint: string;
  dcrImmutableId: string;
  stream: string;
}

export interface Route {
  target: UploadTarget;
  map(records: readonly RecordObject[], context: RecordContext): MappedRows;
}

/** The routes a message's records take: Keeper to the Sentinel solution's stream (and Keeper_CL when enabled), anything else to the catch-all. */
export function routesFor(envelope: Pick<Envelope, 'logType'>, settings: DeliverySettings): Route[] {
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
