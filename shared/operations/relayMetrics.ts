import type { TelemetryClient } from 'applicationinsights';

/**
 * Custom metrics for what the host's own telemetry cannot see: rows delivered per stream, schema drift (properties
 * without a column, per Log-Type), deferrals and poisoned messages. Sent through `applicationinsights` only when
 * APPLICATIONINSIGHTS_CONNECTION_STRING is set, and loaded on the first metric: loading it costs about 1.5 s, which
 * must not land on every cold start of the HTTP doors.
 */
export interface RelayMetrics {
  track(name: string, value: number, properties?: Record<string, string>): void;
  flush(): Promise<void>;
}

let client: TelemetryClient | null | undefined;

function telemetryClient(env: NodeJS.ProcessEnv): TelemetryClient | null {
  if (client !== undefined) return client;
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING;
  if (!connectionString) return (client = null);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately lazy, see above
    const appInsights = require('applicationinsights') as typeof import('applicationinsights');
    // Own providers: no global OpenTelemetry set-up, so the host's request and dependency telemetry is not doubled.
    const created = new appInsights.TelemetryClient(connectionString, { useGlobalProviders: false });
    // Entra-only Application Insights: "Authorization=AAD;ClientId=<user-assigned identity>".
    const auth = env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING ?? '';
    if (/Authorization=AAD/i.test(auth)) {
      const clientId = /ClientId=([^;]+)/i.exec(auth)?.[1];
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy like applicationinsights (cold start)
      const { ManagedIdentityCredential } = require('@azure/identity') as typeof import('@azure/identity');
      created.config.aadTokenCredential = new ManagedIdentityCredential(clientId ? { clientId } : {});
    }
    return (client = created);
  } catch (error) {
    // Metrics are an aid: a telemetry fault must never stop delivery.
    console.warn(`relay: custom metrics disabled: ${error instanceof Error ? error.message : String(error)}`);
    return (client = null);
  }
}

export function relayMetrics(env: NodeJS.ProcessEnv = process.env): RelayMetrics {
  return {
    track(name, value, properties) {
      try {
        telemetryClient(env)?.trackMetric({ name, value, properties });
      } catch {
        // See above: never let telemetry stop delivery.
      }
    },
    async flush() {
      await telemetryClient(env)?.flush();
    },
  };
}
