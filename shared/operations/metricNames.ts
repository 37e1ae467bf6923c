import { z } from 'zod';
import metricsJson from '../telemetry/metrics.json';

/**
 * The relay's custom metric names and the Log Analytics tables its alerts and workbook query. One source
 * (`shared/telemetry/metrics.json`): the code reads it here, the Bicep under `infra/monitor/` loads it with
 * `loadJsonContent()`, and `test/monitor.test.ts` checks every name the KQL uses against it.
 */
const metricSchema = z.object({ name: z.string().regex(/^relay\.[A-Za-z.]+$/), unit: z.string(), dimensions: z.array(z.string()) });

const fileSchema = z.object({
  description: z.string(),
  metrics: z.object({
    requestsAccepted: metricSchema,
    recordsAccepted: metricSchema,
    requestsRefused: metricSchema,
    rowsDelivered: metricSchema,
    deliveryLag: metricSchema,
    messagesDeferred: metricSchema,
    messagesPoisoned: metricSchema,
    schemaDrift: metricSchema,
    configurationErrors: metricSchema,
    queueDepth: metricSchema,
    queueOldestAge: metricSchema,
    poisonDepth: metricSchema,
    heartbeatsSent: metricSchema,
  }),
  /** Workspace-based Application Insights tables the alerts and workbook query. */
  tables: z.object({ metrics: z.literal('AppMetrics'), traces: z.literal('AppTraces') }),
  /** The Log-Type of the relay's own heartbeat events (excluded from "a Log-Type stopped sending"). */
  heartbeatLogType: z.string().regex(/^[A-Za-z0-9_]+$/),
});

const parsed = fileSchema.parse(metricsJson);

export type MetricKey = keyof typeof parsed.metrics;
export type MetricDefinition = z.infer<typeof metricSchema>;

export const METRICS: Readonly<Record<MetricKey, MetricDefinition>> = parsed.metrics;
export const MONITOR_TABLES = parsed.tables;
export const HEARTBEAT_LOG_TYPE = parsed.heartbeatLogType;

/** The metric name as Application Insights stores it (`AppMetrics.Name`, `customMetrics.name`). */
export function metricName(key: MetricKey): string {
  return METRICS[key].name;
}
