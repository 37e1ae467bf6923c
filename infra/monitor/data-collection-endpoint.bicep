// Data Collection Endpoint: the Logs Ingestion URL the relay posts to. It must sit in the destination workspace's
// region, so main.bicep passes the workspace's location rather than the app's.

param name string
param location string
param tags object = {}

// Set explicitly rather than left to the API default, so the exposure is visible in review. The Function App
// (Flex Consumption without a virtual network) reaches the endpoint over the public network; 'Disabled' needs an
// Azure Monitor Private Link Scope and a VNet-integrated app, which this template does not build.
@allowed([
  'Enabled'
  'Disabled'
  'SecuredByPerimeter'
])
param publicNetworkAccess string = 'Enabled'

resource dce 'Microsoft.Insights/dataCollectionEndpoints@2023-03-11' = {
  name: name
  location: location
  tags: tags
  properties: {
    description: 'Logs ingestion endpoint of the legacy log relay.'
    networkAcls: {
      publicNetworkAccess: publicNetworkAccess
    }
  }
}

output resourceId string = dce.id
output name string = dce.name
output logsIngestionEndpoint string = dce.properties.logsIngestion.endpoint
