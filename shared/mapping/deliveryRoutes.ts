import type { DeliverySettings } from '../delivery/deliverySettings';
import { mapGeneric } from './mapGeneric';
import { mapHeartbeat } from './mapHeartbeat';
import { mapKeeperToSentinel } from './mapKeeperToSentinel';
import { legacyTableMapper } from './mapLegacyTable';
import { mapRecords, type MappedRows, type RowMapper } from './mappedRows';
import type { Envelope } from '../handoff/queueEnvelope';
import type { RecordContext } from './recordContext';
import { KEEPER_LOG_TYPE } from '../ingest/recordValidation';
import { declaredTablesFor, STREAMS, type StreamSchema } from './streamSchemas';

/** Where one route's rows go: a Logs Ingestion endpoint, a DCR and one of its streams. */
export interface UploadTarget {
  /** 'keeper-sentinel', 'keeper-legacy-cl', 'generic', 'heartbeat', or a declared table's name (MyApp_CL). */
  name: string;
  endpoint: string;
  dcrImmutableId: string;
  stream: string;
}

export interface Route {
  target: UploadTarget;
  /** Each record's exact JSON text as received → rows of the target stream. */
  map(texts: readonly string[], context: RecordContext): MappedRows;
}

const mappers = new Map<StreamSchema, RowMapper>();

function enabled(table: StreamSchema, settings: DeliverySettings): boolean {
  if (table.enabledBySetting === undefined) return true;
  // Keeper_CL's setting is parsed with the delivery settings; any other is read as true/1.
  if (table.stream === STREAMS.keeperLegacyCl.stream) return settings.keeperCl.enabled;
  return ['true', '1'].includes((process.env[table.enabledBySetting] ?? '').trim().toLowerCase());
}

function legacyTableRoute(table: StreamSchema, settings: DeliverySettings): Route {
  const keeperCl = table.stream === STREAMS.keeperLegacyCl.stream;
  let mapper = mappers.get(table);
  if (!mapper) mappers.set(table, (mapper = legacyTableMapper(table)));
  const rowMapper = mapper;
  return {
    target: {
      name: keeperCl ? 'keeper-legacy-cl' : table.table,
      endpoint: settings.endpoint,
      dcrImmutableId: (keeperCl ? settings.keeperCl.dcrImmutableId : undefined) ?? settings.dcrImmutableId,
      stream: keeperCl ? settings.keeperCl.stream : table.stream,
    },
    map: (texts, context) => mapRecords(rowMapper, texts, context),
  };
}

/**
 * The routes a message's records take: Keeper to the Sentinel solution's stream; every Log-Type to the legacy
 * tables declared for it in shared/streams/ (Keeper_CL when RELAY_KEEPER_CL_ENABLED); any other Log-Type with no
 * declared table to the catch-all.
 */
export function routesFor(envelope: Pick<Envelope, 'logType'> & Partial<Pick<Envelope, 'door'>>, settings: DeliverySettings): Route[] {
  if (envelope.door === 'heartbeat') {
    return [{ target: { name: 'heartbeat', endpoint: settings.endpoint, dcrImmutableId: settings.dcrImmutableId, stream: STREAMS.relayHeartbeat.stream }, map: mapHeartbeat }];
  }
  const routes = declaredTablesFor(envelope.logType, settings.streamsDir)
    .filter((table) => enabled(table, settings))
    .map((table) => legacyTableRoute(table, settings));
  if (envelope.logType === KEEPER_LOG_TYPE) {
    const sentinel: Route = {
      target: {
        name: 'keeper-sentinel',
        endpoint: settings.keeper.endpoint ?? settings.endpoint,
        dcrImmutableId: settings.keeper.dcrImmutableId ?? settings.dcrImmutableId,
        stream: settings.keeper.stream,
      },
      map: mapKeeperToSentinel,
    };
    return [sentinel, ...routes];
  }
  if (routes.length > 0) return routes;
  return [
    {
      target: { name: 'generic', endpoint: settings.endpoint, dcrImmutableId: settings.generic.dcrImmutableId ?? settings.dcrImmutableId, stream: settings.generic.stream },
      map: mapGeneric,
    },
  ];
}
