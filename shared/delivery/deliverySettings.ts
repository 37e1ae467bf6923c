import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SettingsError } from '../settings/settings';
import { loadStreamDeclarations, STREAMS } from '../mapping/streamSchemas';

/** Token audiences of the Logs Ingestion API per cloud (bare: the SDK appends /.default). */
export const CLOUD_AUDIENCES = {
  public: 'https://monitor.azure.com',
  usgovernment: 'https://monitor.azure.us',
  china: 'https://monitor.azure.cn',
} as const;

const dcrId = z.string().regex(/^dcr-[0-9a-f]{32}$/i, 'a DCR immutable id such as dcr-00000000000000000000000000000000');
const endpoint = z.url({ protocol: /^https$/, message: 'an https:// Logs Ingestion endpoint (the DCE logs ingestion URL)' });
const streamName = z.string().regex(/^Custom-[A-Za-z0-9_]+$/, 'a DCR stream name such as Custom-RelayedLogs');
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const deliverySchema = z.object({
  cloud: z.enum(['public', 'usgovernment', 'china']).default('public'),
  endpoint,
  dcrImmutableId: dcrId,
  credential: z.enum(['managed-identity', 'development']).default('managed-identity'),
  clientId: z.string().min(1).optional(),
  caFile: z.string().min(1).optional(),
  retryDelaySeconds: z.coerce.number().int().min(1).max(3600).default(30),
  keeper: z.object({ endpoint: endpoint.optional(), dcrImmutableId: dcrId.optional(), stream: streamName.default(STREAMS.keeperSentinel.stream) }),
  keeperCl: z.object({ enabled: bool.default(false), dcrImmutableId: dcrId.optional(), stream: streamName.default(STREAMS.keeperLegacyCl.stream) }),
  generic: z.object({ dcrImmutableId: dcrId.optional(), stream: streamName.default(STREAMS.relayedLogs.stream) }),
  /** The stream declarations folder; default the package's shared/streams (tests point it elsewhere). */
  streamsDir: z.string().min(1).optional(),
});

export type DeliverySettings = z.infer<typeof deliverySchema> & { audience: string; ca?: string };

const NAMES: Record<string, string> = {
  cloud: 'RELAY_CLOUD',
  endpoint: 'RELAY_INGESTION_ENDPOINT',
  dcrImmutableId: 'RELAY_DCR_IMMUTABLE_ID',
  credential: 'RELAY_CREDENTIAL',
  clientId: 'AZURE_CLIENT_ID',
  caFile: 'RELAY_INGESTION_CA_FILE',
  retryDelaySeconds: 'RELAY_RETRY_DELAY_SECONDS',
  'keeper.endpoint': 'RELAY_KEEPER_INGESTION_ENDPOINT',
  'keeper.dcrImmutableId': 'RELAY_KEEPER_DCR_IMMUTABLE_ID',
  'keeper.stream': 'RELAY_KEEPER_STREAM',
  'keeperCl.enabled': 'RELAY_KEEPER_CL_ENABLED',
  'keeperCl.dcrImmutableId': 'RELAY_KEEPER_CL_DCR_IMMUTABLE_ID',
  'keeperCl.stream': 'RELAY_KEEPER_CL_STREAM',
  'generic.dcrImmutableId': 'RELAY_GENERIC_DCR_IMMUTABLE_ID',
  'generic.stream': 'RELAY_GENERIC_STREAM',
  streamsDir: 'RELAY_STREAMS_DIR',
};

const opt = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());

/** Delivery settings (Logs Ingestion routes, identity, cloud), parsed at start-up like the ingest settings. */
export function loadDeliverySettings(env: NodeJS.ProcessEnv = process.env): DeliverySettings {
  const parsed = deliverySchema.safeParse({
    cloud: opt(env.RELAY_CLOUD),
    endpoint: opt(env.RELAY_INGESTION_ENDPOINT),
    dcrImmutableId: opt(env.RELAY_DCR_IMMUTABLE_ID),
    credential: opt(env.RELAY_CREDENTIAL),
    clientId: opt(env.AZURE_CLIENT_ID),
    caFile: opt(env.RELAY_INGESTION_CA_FILE),
    retryDelaySeconds: opt(env.RELAY_RETRY_DELAY_SECONDS),
    keeper: { endpoint: opt(env.RELAY_KEEPER_INGESTION_ENDPOINT), dcrImmutableId: opt(env.RELAY_KEEPER_DCR_IMMUTABLE_ID), stream: opt(env.RELAY_KEEPER_STREAM) },
    keeperCl: { enabled: opt(env.RELAY_KEEPER_CL_ENABLED), dcrImmutableId: opt(env.RELAY_KEEPER_CL_DCR_IMMUTABLE_ID), stream: opt(env.RELAY_KEEPER_CL_STREAM) },
    generic: { dcrImmutableId: opt(env.RELAY_GENERIC_DCR_IMMUTABLE_ID), stream: opt(env.RELAY_GENERIC_STREAM) },
    streamsDir: opt(env.RELAY_STREAMS_DIR),
  });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = NAMES[issue.path.join('.')] ?? issue.path.join('.');
      const missing = issue.code === 'invalid_type';
      return missing ? `${name} is missing: expected ${issue.path[0] === 'endpoint' ? 'the DCE logs ingestion URL' : 'a value'}` : `${name} is malformed: expected ${issue.message}`;
    });
    throw new SettingsError(`Invalid relay delivery settings:\n  - ${[...new Set(lines)].join('\n  - ')}`);
  }
  let ca: string | undefined;
  if (parsed.data.caFile) {
    try {
      ca = readFileSync(parsed.data.caFile, 'utf8');
    } catch {
      throw new SettingsError(`Invalid relay delivery settings:\n  - RELAY_INGESTION_CA_FILE: cannot read ${parsed.data.caFile}`);
    }
  }
  try {
    // A broken declaration stops the app at start-up, naming the file, instead of failing every message later.
    loadStreamDeclarations(parsed.data.streamsDir);
  } catch (error) {
    throw new SettingsError(`Invalid relay delivery settings:\n  - ${error instanceof Error ? error.message : String(error)}`);
  }
  return { ...parsed.data, audience: CLOUD_AUDIENCES[parsed.data.cloud], ca };
}
