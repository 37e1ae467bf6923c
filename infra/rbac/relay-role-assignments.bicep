// Least-privilege data-plane roles for the relay's identity (and, optionally, the deployer), each scoped to the one
// resource it is needed on. Nothing is granted at subscription, resource group or workspace scope.

@description('Principal (object) id of the relay\'s user-assigned identity.')
param appPrincipalId string

@description('Object id of the person or pipeline running azd, granted the same data roles to run the relay locally against Azure; empty for none.')
param deployerPrincipalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param deployerPrincipalType string = 'User'

param storageAccountName string
param keyVaultName string
param dataCollectionRuleName string
param applicationInsightsName string

var roles = loadJsonContent('../roles.json')

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource dcr 'Microsoft.Insights/dataCollectionRules@2023-03-11' existing = {
  name: dataCollectionRuleName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Both the app and the deployer need these; the deployer's set is skipped when no principal is given.
var appPrincipal = [
  {
    id: appPrincipalId
    type: 'ServicePrincipal'
  }
]
var deployerPrincipal = empty(deployerPrincipalId) ? [] : [
  {
    id: deployerPrincipalId
    type: deployerPrincipalType
  }
]
var principals = concat(appPrincipal, deployerPrincipal)

// Logs Ingestion API: publishing to this DCR only.
resource dcrPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for p in principals: {
    name: guid(dcr.id, p.id, roles.monitoringMetricsPublisher.id)
    scope: dcr
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher.id)
      principalId: p.id
      principalType: p.type
    }
  }
]

// Queue trigger, host leases and large bodies: the relay's own storage account only.
resource blobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for p in principals: {
    name: guid(storage.id, p.id, roles.storageBlobDataOwner.id)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner.id)
      principalId: p.id
      principalType: p.type
    }
  }
]

resource queueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for p in principals: {
    name: guid(storage.id, p.id, roles.storageQueueDataContributor.id)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor.id)
      principalId: p.id
      principalType: p.type
    }
  }
]

// Key Vault references for the workspace keys.
resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for p in principals: {
    name: guid(vault.id, p.id, roles.keyVaultSecretsUser.id)
    scope: vault
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser.id)
      principalId: p.id
      principalType: p.type
    }
  }
]

// Application Insights with local auth disabled accepts telemetry only from identities holding Monitoring Metrics
// Publisher on the component itself; the app alone needs it (a local run sends no telemetry there).
resource telemetryPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, appPrincipalId, roles.monitoringMetricsPublisher.id)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher.id)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}
