// Used instead of a Keeper stream in the relay's DCR when Keeper events go to the Data Collection Rule the Microsoft
// Sentinel Keeper Security solution already deployed. Deployed at that DCR's resource group; grants the relay's
// identity Monitoring Metrics Publisher on that one DCR and reads its immutable id, so it need not be copied by hand.

@description('Name of the existing Sentinel Keeper solution DCR in this resource group.')
param dataCollectionRuleName string

param appPrincipalId string

@description('Object id of the opt-in local-run deployer (see deployer-role-assignments.bicep); empty for none.')
param deployerPrincipalId string = ''

@allowed([
  'User'
  'Group'
])
param deployerPrincipalType string = 'User'

var roles = loadJsonContent('../roles.json')

resource keeperDcr 'Microsoft.Insights/dataCollectionRules@2023-03-11' existing = {
  name: dataCollectionRuleName
}

resource appPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(keeperDcr.id, appPrincipalId, roles.monitoringMetricsPublisher.id)
  scope: keeperDcr
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher.id)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource deployerPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(keeperDcr.id, deployerPrincipalId, roles.monitoringMetricsPublisher.id)
  scope: keeperDcr
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher.id)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}

output immutableId string = keeperDcr.properties.immutableId
