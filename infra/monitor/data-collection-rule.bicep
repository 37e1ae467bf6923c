// The relay's Data Collection Rule. Stream declarations, transforms and output tables are read from the stream files
// in shared/streams, the same files the relay's mapper imports: a column added there reaches the DCR and the table
// on the next `azd provision` with no second edit here.

param name string
param location string
param tags object = {}

@description('Resource id of the Data Collection Endpoint the relay posts to.')
param dataCollectionEndpointId string

@description('Resource id of the destination Log Analytics workspace.')
param workspaceResourceId string

@description('Route Keeper events to KeeperSecurityEventNewLogs_CL through this DCR. False when an existing Sentinel Keeper solution DCR takes them.')
param includeKeeperStream bool = true

@description('Also route legacy-typed Keeper rows to the migrated classic table Keeper_CL (which must already be migrated).')
param includeKeeperLegacyStream bool = false

var relayedStream = loadJsonContent('../../shared/streams/relayed-logs.json')
var keeperStream = loadJsonContent('../../shared/streams/keeper-security-events.json')
var keeperLegacyStream = loadJsonContent('../../shared/streams/keeper-legacy-cl.json')
var heartbeatStream = loadJsonContent('../../shared/streams/relay-heartbeat.json')

var streams = concat(
  [relayedStream, heartbeatStream],
  includeKeeperStream ? [keeperStream] : [],
  includeKeeperLegacyStream ? [keeperLegacyStream] : []
)

var destinationName = 'relayWorkspace'

resource dcr 'Microsoft.Insights/dataCollectionRules@2023-03-11' = {
  name: name
  location: location
  tags: tags
  properties: {
    description: 'Legacy log relay: Data Collector API posts and Keeper events to Log Analytics / Sentinel.'
    dataCollectionEndpointId: dataCollectionEndpointId
    // The input stream is what the relay sends: the stream file's column names with DCR stream types.
    streamDeclarations: toObject(streams, s => s.stream, s => {
      columns: map(s.columns, c => {
        name: c.name
        type: c.type
      })
    })
    destinations: {
      logAnalytics: [
        {
          name: destinationName
          workspaceResourceId: workspaceResourceId
        }
      ]
    }
    // Each file's transformKql only renames columns; none assigns TimeGenerated, so the event time the relay sends
    // is kept (the Sentinel solution's own DCR overwrites it with now()).
    dataFlows: map(streams, s => {
      streams: [
        s.stream
      ]
      destinations: [
        destinationName
      ]
      transformKql: s.transformKql
      outputStream: 'Custom-${s.table}'
    })
  }
}

output resourceId string = dcr.id
output name string = dcr.name
output immutableId string = dcr.properties.immutableId
