// Application Insights for the relay, workspace-based, with Entra-only ingestion and IP masking on.

param name string
param location string
param tags object = {}
param workspaceResourceId string

resource component 'Microsoft.Insights/components@2020-02-02' = {
  name: name
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspaceResourceId
    // Entra authentication only: the instrumentation key alone cannot send telemetry.
    DisableLocalAuth: true
    // Senders' IP addresses are personal data the relay does not need: keep Application Insights' default masking
    // (the AVM module set DisableIpMasking true).
    DisableIpMasking: false
    IngestionMode: 'LogAnalytics'
  }
}

output name string = component.name
output resourceId string = component.id
output connectionString string = component.properties.ConnectionString
