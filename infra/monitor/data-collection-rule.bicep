// The relay's Data Collection Rule. Stream declarations and dataflows (with the type casts each destination table
// needs) come from dcr-streams.generated.json, generated from shared/streams by `npm run generate:dcr`; main.bicep
// passes the entries this deployment routes.

param name string
param location string
param tags object = {}

@description('Resource id of the Data Collection Endpoint the relay posts to.')
param dataCollectionEndpointId string

@description('Resource id of the destination Log Analytics workspace.')
param workspaceResourceId string

@description('Entries of dcr-streams.generated.json to route through this DCR.')
param streams array

var destinationName = 'relayWorkspace'

resource dcr 'Microsoft.Insights/dataCollectionRules@2023-03-11' = {
  name: name
  location: location
  tags: tags
  properties: {
    description: 'Legacy log relay: Data Collector API posts and Keeper events to Log Analytics / Sentinel.'
    dataCollectionEndpointId: dataCollectionEndpointId
    streamDeclarations: toObject(streams, s => s.stream, s => s.declaration)
    destinations: {
      logAnalytics: [
        {
          name: destinationName
          workspaceResourceId: workspaceResourceId
        }
      ]
    }
    // No transform assigns TimeGenerated, so the event time the relay sends is kept.
    dataFlows: map(streams, s => union(s.dataFlow, { destinations: [destinationName] }))
  }
}

output resourceId string = dcr.id
output name string = dcr.name
output immutableId string = dcr.properties.immutableId
