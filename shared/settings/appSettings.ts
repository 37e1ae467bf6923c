/**
 * Catalogue of the app settings the relay reads, for people and for the offline infra checks: the Bicep must set
 * every setting marked `requiredInAzure`. The zod schemas in settings.ts / deliverySettings.ts decide validity.
 */
export interface AppSetting {
  name: string;
  requiredInAzure: boolean;
  description: string;
}

export const APP_SETTINGS: readonly AppSetting[] = [
  { name: 'RELAY_WORKSPACE_1_ID', requiredInAzure: true, description: 'Workspace id the legacy senders sign with (add _2_, _3_ ... for more).' },
  { name: 'RELAY_WORKSPACE_1_PRIMARY_KEY', requiredInAzure: true, description: 'Its primary key (Key Vault reference in Azure).' },
  { name: 'RELAY_WORKSPACE_1_SECONDARY_KEY', requiredInAzure: false, description: 'Its secondary key, for key rotation (Key Vault reference in Azure).' },
  { name: 'RELAY_CLOCK_SKEW_MINUTES', requiredInAzure: false, description: 'Accepted x-ms-date skew, default 15.' },
  { name: 'RELAY_QUEUE_NAME', requiredInAzure: true, description: 'Queue between the HTTP doors and delivery, default relay-ingest.' },
  { name: 'RELAY_BLOB_CONTAINER', requiredInAzure: true, description: 'Container for bodies too large for a queue message, default relay-payloads.' },
  { name: 'RELAY_STORAGE', requiredInAzure: false, description: 'Storage connection string (local); in Azure use the identity-based settings below.' },
  { name: 'RELAY_STORAGE__queueServiceUri', requiredInAzure: true, description: 'Queue service URI for the identity-based connection.' },
  { name: 'RELAY_STORAGE__blobServiceUri', requiredInAzure: true, description: 'Blob service URI for the identity-based connection.' },
  { name: 'RELAY_STORAGE__credential', requiredInAzure: true, description: 'managedidentity' },
  { name: 'RELAY_STORAGE__clientId', requiredInAzure: true, description: 'Client id of the user-assigned identity.' },
  { name: 'AZURE_CLIENT_ID', requiredInAzure: true, description: 'Client id of the user-assigned identity used for the Logs Ingestion API.' },
  { name: 'RELAY_CLOUD', requiredInAzure: true, description: 'public | usgovernment | china: picks the Logs Ingestion audience.' },
  { name: 'RELAY_INGESTION_ENDPOINT', requiredInAzure: true, description: 'Logs ingestion URL of the Data Collection Endpoint.' },
  { name: 'RELAY_DCR_IMMUTABLE_ID', requiredInAzure: true, description: "Immutable id of the relay's Data Collection Rule." },
  { name: 'RELAY_KEEPER_DCR_IMMUTABLE_ID', requiredInAzure: false, description: "Send Keeper events to an existing DCR (the Sentinel solution's) instead of the relay's." },
  { name: 'RELAY_KEEPER_INGESTION_ENDPOINT', requiredInAzure: false, description: 'Ingestion endpoint of that existing DCR.' },
  { name: 'RELAY_KEEPER_CL_ENABLED', requiredInAzure: true, description: 'true: also write legacy-typed rows to a migrated Keeper_CL.' },
  { name: 'RELAY_KEEPER_STREAM', requiredInAzure: false, description: 'Stream of the Keeper route, default Custom-KeeperSecurityEventNewLogs.' },
  { name: 'RELAY_KEEPER_CL_DCR_IMMUTABLE_ID', requiredInAzure: false, description: "DCR of the Keeper_CL route, default the relay's." },
  { name: 'RELAY_KEEPER_CL_STREAM', requiredInAzure: false, description: 'Stream of the Keeper_CL route, default Custom-Keeper_CL.' },
  { name: 'RELAY_GENERIC_DCR_IMMUTABLE_ID', requiredInAzure: false, description: "DCR of the catch-all route, default the relay's." },
  { name: 'RELAY_GENERIC_STREAM', requiredInAzure: false, description: 'Stream of the catch-all route, default Custom-RelayedLogs.' },
  { name: 'RELAY_RETRY_DELAY_SECONDS', requiredInAzure: false, description: 'First delay before a deferred message is retried, doubling up to 10 minutes; default 30.' },
  { name: 'RELAY_CREDENTIAL', requiredInAzure: false, description: 'managed-identity (default) | development (local emulator token only).' },
  { name: 'RELAY_INGESTION_CA_FILE', requiredInAzure: false, description: "Local only: PEM of a CA to trust for the ingestion endpoint (the emulator's)." },
  { name: 'RELAY_HEARTBEAT', requiredInAzure: false, description: 'off: no heartbeat events (default on).' },
  { name: 'RELAY_HEARTBEAT_SCHEDULE', requiredInAzure: false, description: 'NCRONTAB (with seconds) of the heartbeat timer, default every 5 minutes: 0 */5 * * * *.' },
  { name: 'RELAY_SUMMARY_SECONDS', requiredInAzure: false, description: 'Seconds between traffic summary log lines, default 60; 0 turns them off.' },
  { name: 'RELAY_STATUS_WRITE_SECONDS', requiredInAzure: false, description: "Seconds between writes of an instance's status blob (health, npm run status), default 30." },
  { name: 'RELAY_HEALTH_MAX_BACKLOG_AGE_SECONDS', requiredInAzure: false, description: 'Age of the oldest waiting request that /api/health reports as a problem, default 900.' },
  { name: 'RELAY_STREAMS_DIR', requiredInAzure: false, description: 'Local only: folder of stream declarations, default the package\'s shared/streams (must match what the DCR was provisioned from).' },
] as const;
