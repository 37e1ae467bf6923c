import { describe, expect, it } from 'vitest';
import { loadDeliverySettings } from '../shared/delivery/deliverySettings';
import { routesFor } from '../shared/mapping/deliveryRoutes';
import { SettingsError } from '../shared/settings/settings';

const base = { RELAY_INGESTION_ENDPOINT: 'https://relay-dce.eastus-1.ingest.monitor.azure.com', RELAY_DCR_IMMUTABLE_ID: 'dcr-0123456789abcdef0123456789abcdef' };

function failure(env: Record<string, string>): string {
  try {
    loadDeliverySettings(env);
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return (error as Error).message;
  }
  throw new Error('expected a settings error');
}

describe('delivery settings', () => {
  it('defaults to the public cloud, managed identity and the stream files', () => {
    const s = loadDeliverySettings(base);
    expect(s).toMatchObject({ cloud: 'public', audience: 'https://monitor.azure.com', credential: 'managed-identity', retryDelaySeconds: 30 });
    expect(s.keeper.stream).toBe('Custom-KeeperSecurityEventNewLogs');
    expect(s.keeperCl).toMatchObject({ enabled: false, stream: 'Custom-Keeper_CL' });
    expect(s.generic.stream).toBe('Custom-RelayedLogs');
  });

  it('takes the audience from the cloud setting', () => {
    expect(loadDeliverySettings({ ...base, RELAY_CLOUD: 'usgovernment' }).audience).toBe('https://monitor.azure.us');
    expect(loadDeliverySettings({ ...base, RELAY_CLOUD: 'china' }).audience).toBe('https://monitor.azure.cn');
    expect(failure({ ...base, RELAY_CLOUD: 'mars' })).toMatch(/RELAY_CLOUD is malformed/);
  });

  it('names missing and malformed settings', () => {
    expect(failure({ RELAY_DCR_IMMUTABLE_ID: base.RELAY_DCR_IMMUTABLE_ID })).toMatch(/RELAY_INGESTION_ENDPOINT is missing/);
    expect(failure({ ...base, RELAY_INGESTION_ENDPOINT: 'http://plain.example' })).toMatch(/RELAY_INGESTION_ENDPOINT is malformed: expected an https:\/\//);
    expect(failure({ ...base, RELAY_DCR_IMMUTABLE_ID: 'my-dcr' })).toMatch(/RELAY_DCR_IMMUTABLE_ID is malformed: expected a DCR immutable id/);
    expect(failure({ ...base, RELAY_KEEPER_CL_ENABLED: 'yes' })).toMatch(/RELAY_KEEPER_CL_ENABLED is malformed/);
    expect(failure({ ...base, RELAY_INGESTION_CA_FILE: '/nonexistent/ca.pem' })).toMatch(/RELAY_INGESTION_CA_FILE: cannot read/);
  });

  it('routes Keeper to the Sentinel stream (an existing solution DCR if set) and Keeper_CL when enabled; others to the catch-all', () => {
    const s = loadDeliverySettings({
      ...base,
      RELAY_KEEPER_CL_ENABLED: 'true',
      RELAY_KEEPER_DCR_IMMUTABLE_ID: 'dcr-ffffffffffffffffffffffffffffffff',
      RELAY_KEEPER_INGESTION_ENDPOINT: 'https://sentinel-dce.eastus-1.ingest.monitor.azure.com',
    });
    expect(routesFor({ logType: 'Keeper' }, s).map((r) => r.target)).toEqual([
      { name: 'keeper-sentinel', endpoint: 'https://sentinel-dce.eastus-1.ingest.monitor.azure.com', dcrImmutableId: 'dcr-ffffffffffffffffffffffffffffffff', stream: 'Custom-KeeperSecurityEventNewLogs' },
      { name: 'keeper-legacy-cl', endpoint: base.RELAY_INGESTION_ENDPOINT, dcrImmutableId: base.RELAY_DCR_IMMUTABLE_ID, stream: 'Custom-Keeper_CL' },
    ]);
    expect(routesFor({ logType: 'Syslog_Events' }, s).map((r) => r.target.stream)).toEqual(['Custom-RelayedLogs']);
  });
});
