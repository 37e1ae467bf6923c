/** The Logs Ingestion API emulator: public surface for tests, the benchmark and `npm start`. */
export { startLogsIngestionEmulator } from './emulator';
export type { LogsIngestionEmulatorOptions, RunningLogsIngestionEmulator } from './emulator';
export { FAULT_KINDS, faultOptionsSchema, seededRandom } from './faults';
export type { FaultKind, FaultOptions, FaultSettings } from './faults';
export type { EmulatorStats, DropStats, RequestSizeStats } from './stats';
export { CONTENT_LIMIT_MESSAGE, DEFAULT_AUDIENCE, INVALID_API_VERSION, MAX_CONTENT_BYTES, MAX_FIELD_BYTES, SUPPORTED_API_VERSIONS } from './limits';
export { configFromEnv } from './config';
export { loadOrCreateCertificate } from './certificate';
