// The relay's own Log Analytics workspace: the app's telemetry, and the relay's destination when no existing
// (Sentinel) workspace is given.

param name string
param location string
param tags object = {}

@minValue(30)
@maxValue(730)
param retentionInDays int = 30

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

output resourceId string = workspace.id
output name string = workspace.name
