// Azure Monitor alert rules for the relay (log search alerts). Metric names and the heartbeat table come from the
// files the code reads (shared/telemetry/metrics.json, shared/streams/relay-heartbeat.json); test/monitor.test.ts
// checks every metric, table and dimension these queries use against them.

param location string
param tags object = {}

@description('Resource id of the Log Analytics workspace Application Insights writes to (AppMetrics, AppTraces).')
param telemetryWorkspaceId string

@description('Resource id of the destination workspace holding the relay tables (RelayHeartbeat_CL).')
param destinationWorkspaceId string

@description('Resource id of the action group to notify; empty: rules fire in the portal only.')
param actionGroupId string = ''

@description('Alert when the oldest waiting request is older than this many minutes.')
param backlogMaxAgeMinutes int = 15

@description('Alert when no heartbeat row arrived for this many minutes (the heartbeat runs every 5 minutes).')
param heartbeatMissingMinutes int = 20

@description('Alert when a Log-Type that sent rows in the last 7 days sent none for this many hours.')
param quietLogTypeHours int = 6

var telemetry = loadJsonContent('../../shared/telemetry/metrics.json')
var m = telemetry.metrics
var appMetrics = telemetry.tables.metrics
var appTraces = telemetry.tables.traces
var heartbeat = loadJsonContent('../../shared/streams/relay-heartbeat.json')
var actions = empty(actionGroupId) ? {} : { actionGroups: [ actionGroupId ] }

var rules = [
  {
    key: 'poison'
    displayName: 'Relay: messages in the poison queue'
    description: 'Messages the relay could not deliver wait in the poison queue. List them with npm run redrive; fix the cause, then npm run redrive -- --move.'
    severity: 1
    scope: telemetryWorkspaceId
    window: 'PT15M'
    query: join([
      appMetrics
      '| where Name == "${m.poisonDepth.name}"'
      '| summarize PoisonDepth = max(Max)'
    ], '\n')
    measure: 'PoisonDepth'
    operator: 'GreaterThan'
    threshold: 0
  }
  {
    key: 'backlog-age'
    displayName: 'Relay: oldest waiting request older than ${backlogMaxAgeMinutes} minutes'
    description: 'Delivery is stalled or behind. npm run status shows the backlog, the destinations and their problems.'
    severity: 2
    scope: telemetryWorkspaceId
    window: 'PT15M'
    query: join([
      appMetrics
      '| where Name == "${m.queueOldestAge.name}"'
      '| summarize OldestSeconds = max(Max)'
    ], '\n')
    measure: 'OldestSeconds'
    operator: 'GreaterThan'
    threshold: backlogMaxAgeMinutes * 60
  }
  {
    key: 'delivery-errors'
    displayName: 'Relay: delivery errors'
    description: 'Messages were poisoned or the relay logged errors (each error line names its fix).'
    severity: 2
    scope: telemetryWorkspaceId
    window: 'PT15M'
    query: join([
      'union'
      '  (${appMetrics} | where Name == "${m.messagesPoisoned.name}" | summarize Errors = sum(Sum)),'
      '  (${appTraces} | where SeverityLevel >= 3 and Message startswith "relay:" | summarize Errors = todouble(count()))'
      '| summarize Errors = sum(Errors)'
    ], '\n')
    measure: 'Errors'
    operator: 'GreaterThan'
    threshold: 0
  }
  {
    key: 'configuration-errors'
    displayName: 'Relay: configuration errors'
    description: 'Logs Ingestion answered 401/403/404 (role, DCR or endpoint), or a setting is missing or an unresolved Key Vault reference. Data is kept and retried; the function log line names the fix.'
    severity: 1
    scope: telemetryWorkspaceId
    window: 'PT15M'
    query: join([
      'union'
      '  (${appMetrics} | where Name == "${m.configurationErrors.name}" | summarize Errors = sum(Sum)),'
      '  (${appTraces} | where Message has_any ("Invalid relay settings", "Invalid relay delivery settings", "unresolved Key Vault reference") | summarize Errors = todouble(count()))'
      '| summarize Errors = sum(Errors)'
    ], '\n')
    measure: 'Errors'
    operator: 'GreaterThan'
    threshold: 0
  }
  {
    key: 'quiet-log-type'
    displayName: 'Relay: a Log-Type stopped sending'
    description: 'A Log-Type that delivered rows in the last 7 days delivered none for ${quietLogTypeHours} hours: check that sender.'
    severity: 3
    scope: telemetryWorkspaceId
    window: 'PT1H'
    query: join([
      appMetrics
      '| where TimeGenerated > ago(7d) and Name == "${m.rowsDelivered.name}"'
      '| extend LogType = tostring(Properties.logType)'
      '| where LogType != "${telemetry.heartbeatLogType}"'
      '| summarize LastRows = max(TimeGenerated) by LogType'
      '| where LastRows < ago(${quietLogTypeHours}h)'
      '| summarize QuietLogTypes = count() by LogType'
    ], '\n')
    measure: 'QuietLogTypes'
    operator: 'GreaterThan'
    threshold: 0
  }
  {
    key: 'heartbeat-missing'
    displayName: 'Relay: heartbeat missing'
    description: 'No heartbeat row reached ${heartbeat.table} for ${heartbeatMissingMinutes} minutes: the relay is down or cannot deliver (not merely quiet senders).'
    severity: 1
    scope: destinationWorkspaceId
    window: 'PT${heartbeatMissingMinutes}M'
    query: join([
      heartbeat.table
      '| summarize Heartbeats = count()'
    ], '\n')
    measure: 'Heartbeats'
    operator: 'LessThan'
    threshold: 1
  }
]

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for rule in rules: {
    name: 'relay-${rule.key}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: rule.displayName
      description: rule.description
      severity: rule.severity
      enabled: true
      scopes: [ rule.scope ]
      evaluationFrequency: 'PT5M'
      windowSize: rule.window
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: 'Maximum'
            metricMeasureColumn: rule.measure
            operator: rule.operator
            threshold: rule.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: true
      actions: actions
    }
  }
]

output ruleNames array = [for (rule, i) in rules: alertRules[i].name]
output queries array = [for rule in rules: { key: rule.key, query: rule.query }]
