// The relay's workbook: throughput, delivery lag, refusals, drift and heartbeats per Log-Type. Metric names come from
// shared/telemetry/metrics.json and the heartbeat table from its stream file, as in alerts.bicep; test/monitor.test.ts
// checks every name these queries use.

param location string
param tags object = {}

@description('Resource id of the Log Analytics workspace Application Insights writes to.')
param telemetryWorkspaceId string

@description('Resource id of the destination workspace holding the relay tables.')
param destinationWorkspaceId string

@description('Display name of the workbook.')
param displayName string = 'Legacy log relay'

var telemetry = loadJsonContent('../../shared/telemetry/metrics.json')
var m = telemetry.metrics
var appMetrics = telemetry.tables.metrics
var heartbeat = loadJsonContent('../../shared/streams/relay-heartbeat.json')

// One chart or grid per item: [title, query, visualization, workspace].
var panels = [
  {
    title: 'Rows delivered per Log-Type (throughput)'
    query: join([
      appMetrics
      '| where Name == "${m.rowsDelivered.name}"'
      '| extend LogType = tostring(Properties.logType)'
      '| summarize Rows = sum(Sum) by LogType, bin(TimeGenerated, 5m)'
    ], '\n')
    visualization: 'timechart'
    workspace: telemetryWorkspaceId
  }
  {
    title: 'Requests accepted and records per Log-Type and source workspace'
    query: join([
      appMetrics
      '| where Name in ("${m.requestsAccepted.name}", "${m.recordsAccepted.name}")'
      '| extend LogType = tostring(Properties.logType), SourceWorkspace = tostring(Properties.workspaceId)'
      '| summarize Requests = sumif(Sum, Name == "${m.requestsAccepted.name}"), Records = sumif(Sum, Name == "${m.recordsAccepted.name}") by LogType, SourceWorkspace'
      '| order by Records desc'
    ], '\n')
    visualization: 'table'
    workspace: telemetryWorkspaceId
  }
  {
    title: 'Delivery lag, receive to upload (seconds, max per 5 minutes)'
    query: join([
      appMetrics
      '| where Name == "${m.deliveryLag.name}"'
      '| extend LogType = tostring(Properties.logType)'
      '| summarize LagSeconds = max(Max) by LogType, bin(TimeGenerated, 5m)'
    ], '\n')
    visualization: 'timechart'
    workspace: telemetryWorkspaceId
  }
  {
    title: 'Refusals by legacy error code'
    query: join([
      appMetrics
      '| where Name == "${m.requestsRefused.name}"'
      '| extend Code = tostring(Properties.code), Door = tostring(Properties.door)'
      '| summarize Refused = sum(Sum) by Code, Door, bin(TimeGenerated, 15m)'
    ], '\n')
    visualization: 'barchart'
    workspace: telemetryWorkspaceId
  }
  {
    title: 'Deferred and poisoned messages per Log-Type'
    query: join([
      appMetrics
      '| where Name in ("${m.messagesDeferred.name}", "${m.messagesPoisoned.name}")'
      '| extend LogType = tostring(Properties.logType)'
      '| summarize Messages = sum(Sum) by Name, LogType, bin(TimeGenerated, 15m)'
    ], '\n')
    visualization: 'barchart'
    workspace: telemetryWorkspaceId
  }
  {
    title: 'Schema drift: properties without a column, per Log-Type'
    query: join([
      appMetrics
      '| where Name == "${m.schemaDrift.name}"'
      '| extend LogType = tostring(Properties.logType), Stream = tostring(Properties.stream), Property = tostring(Properties.property)'
      '| summarize Records = sum(Sum), LastSeen = max(TimeGenerated) by LogType, Stream, Property'
      '| order by Records desc'
    ], '\n')
    visualization: 'table'
    workspace: telemetryWorkspaceId
  }
  {
    title: 'Backlog: queue depth, oldest message age, poison'
    query: join([
      appMetrics
      '| where Name in ("${m.queueDepth.name}", "${m.queueOldestAge.name}", "${m.poisonDepth.name}")'
      '| summarize Value = max(Max) by Name, bin(TimeGenerated, 5m)'
    ], '\n')
    visualization: 'timechart'
    workspace: telemetryWorkspaceId
  }
  {
    title: 'Heartbeats (proof of delivery) and their lag'
    query: join([
      heartbeat.table
      '| summarize Heartbeats = count(), MaxLagSeconds = max(LagSeconds), MaxQueueDepth = max(QueueDepth), MaxPoison = max(PoisonDepth) by bin(TimeGenerated, 15m)'
    ], '\n')
    visualization: 'timechart'
    workspace: destinationWorkspaceId
  }
]

var items = [
  for (panel, i) in panels: {
    type: 3
    name: 'panel-${i}'
    content: {
      version: 'KqlItem/1.0'
      title: panel.title
      query: panel.query
      size: 0
      timeContext: { durationMs: 86400000 }
      queryType: 0
      resourceType: 'microsoft.operationalinsights/workspaces'
      crossComponentResources: [ panel.workspace ]
      visualization: panel.visualization
    }
  }
]

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, 'legacy-log-relay-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: displayName
    category: 'workbook'
    sourceId: telemetryWorkspaceId
    serializedData: string({
      version: 'Notebook/1.0'
      items: concat([
        {
          type: 1
          name: 'intro'
          content: { json: '## Legacy log relay\nThroughput, lag, refusals and drift per Log-Type from the relay\'s custom metrics; heartbeats from the destination workspace. `npm run status` shows the live backlog.' }
        }
      ], items)
      isLocked: false
    })
  }
}

output workbookId string = workbook.id
output queries array = [for panel in panels: { title: panel.title, query: panel.query }]
