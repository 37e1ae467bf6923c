// Opt-in roles for a person who runs the relay locally against Azure (`npm start` with `azd env get-values`): only
// what a local run touches. The relay's queues and large-body container (not the whole account, which also holds
// the function keys and the deployment package), publishing to the relay's DCR, and no Key Vault role: a local run
// reads the workspace keys from local.settings.json.

param deployerPrincipalId string

@allowed([
  'User'
  'Group'
])
param deployerPrincipalType string = 'User'

param storageAccountName string
param blobContainerName string
param queueNames array
param dataCollectionRuleName string

var roles = loadJsonContent('../roles.json')

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource container 'containers' existing = {
      name: blobContainerName
    }
  }

  resource queueService 'queueServices' existing = {
    name: 'default'
  }
}

resource queue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' existing = [
  for q in queueNames: {
    parent: storage::queueService
    name: q
  }
]

resource dcr 'Microsoft.Insights/dataCollectionRules@2023-03-11' existing = {
  name: dataCollectionRuleName
}

resource containerContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::blobService::container.id, deployerPrincipalId, roles.storageBlobDataContributor.id)
  scope: storage::blobService::container
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor.id)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}

resource queueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (q, i) in queueNames: {
    name: guid(queue[i].id, deployerPrincipalId, roles.storageQueueDataContributor.id)
    scope: queue[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor.id)
      principalId: deployerPrincipalId
      principalType: deployerPrincipalType
    }
  }
]

resource dcrPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dcr.id, deployerPrincipalId, roles.monitoringMetricsPublisher.id)
  scope: dcr
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher.id)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}
