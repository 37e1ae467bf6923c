// Legacy log relay: everything `azd up` provisions. Subscription scope so it can create (or reuse, by name) the
// resource group, and reach an existing Sentinel workspace or Keeper DCR in other resource groups.
targetScope = 'subscription'

// ---------------------------------------------------------------------------------------------------------------
// azd environment
// ---------------------------------------------------------------------------------------------------------------

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; seeds the resource token and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Region of the Function App and its storage, vault and telemetry. Must offer Flex Consumption.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group to create or reuse; empty for rg-<environmentName>.')
param resourceGroupName string = ''

@description('Object id of the person or pipeline running azd (azd sets AZURE_PRINCIPAL_ID); gets the relay\'s data roles to run it locally against Azure. Empty for none.')
param principalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

// ---------------------------------------------------------------------------------------------------------------
// The legacy workspace the senders sign for. No defaults and absent from main.parameters.json, so `azd up` prompts
// for them; azd keeps the answers in .azure/<env>/config.json, and the keys land only in Key Vault.
// ---------------------------------------------------------------------------------------------------------------

@minLength(36)
@maxLength(36)
@description('Workspace id (GUID) the legacy senders put in their URL and SharedKey header.')
param legacyWorkspaceId string

@secure()
@description('Primary shared key of that workspace (Log Analytics > Agents, or `az monitor log-analytics workspace get-shared-keys`).')
param legacyWorkspacePrimaryKey string

@secure()
@description('Secondary shared key of that workspace; senders signing with it keep working.')
param legacyWorkspaceSecondaryKey string

// ---------------------------------------------------------------------------------------------------------------
// Destination and existing setups
// ---------------------------------------------------------------------------------------------------------------

@description('Resource id of an existing Log Analytics workspace (usually the Sentinel one) to write to; empty to create one.')
param existingWorkspaceResourceId string = ''

@description('Also write legacy-typed Keeper rows to Keeper_CL. Migrate the classic table first (docs/migration.md).')
param keeperClEnabled bool = false

@description('Resource id of the Microsoft Sentinel Keeper Security solution\'s DCR, to send Keeper events there instead of through the relay\'s DCR; empty to use the relay\'s.')
param existingKeeperDcrResourceId string = ''

@description('Logs ingestion URL of the Data Collection Endpoint that DCR uses (the connector page\'s "Data Collection Endpoint Uri"). Required with existingKeeperDcrResourceId.')
param existingKeeperIngestionEndpoint string = ''

// ---------------------------------------------------------------------------------------------------------------
// Cloud and network
// ---------------------------------------------------------------------------------------------------------------

@allowed([
  'auto'
  'public'
  'usgovernment'
  'china'
])
@description('Cloud the Logs Ingestion token audience is for; auto follows the cloud azd deploys to.')
param relayCloud string = 'auto'

@allowed([
  'Enabled'
  'Disabled'
  'SecuredByPerimeter'
])
@description('Public network access of the Data Collection Endpoint. The app is not VNet-integrated, so keep Enabled unless you add private networking.')
param dcePublicNetworkAccess string = 'Enabled'

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('E-mail address for the relay\'s alert rules (poison, backlog age, delivery and configuration errors, quiet Log-Type, missing heartbeat); empty: alerts show in the portal only.')
param alertEmail string = ''

// ---------------------------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------------------------

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var serviceName = 'relay'

// Must match the code's defaults (shared/settings.ts) and the poison queue the Functions host moves failures to.
var relayQueueName = 'relay-ingest'
var relayBlobContainerName = 'relay-payloads'
var deploymentContainerName = 'app-package'

var useExistingWorkspace = !empty(existingWorkspaceResourceId)
var workspaceIdParts = split(existingWorkspaceResourceId, '/')
var useExistingKeeperDcr = !empty(existingKeeperDcrResourceId)
var keeperDcrIdParts = split(existingKeeperDcrResourceId, '/')

var clouds = {
  AzureCloud: 'public'
  AzureUSGovernment: 'usgovernment'
  AzureChinaCloud: 'china'
}
var autoCloud = contains(clouds, environment().name) ? clouds[environment().name] : 'public'
var effectiveCloud = relayCloud == 'auto' ? autoCloud : relayCloud

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

var storageAccountName = '${abbrs.storageStorageAccounts}${resourceToken}'
var blobServiceUri = 'https://${storageAccountName}.blob.${environment().suffixes.storage}/'
var queueServiceUri = 'https://${storageAccountName}.queue.${environment().suffixes.storage}/'

// ---------------------------------------------------------------------------------------------------------------
// Identity, storage, vault
// ---------------------------------------------------------------------------------------------------------------

// One user-assigned identity for everything the app touches, so roles can be granted before the app exists.
module identity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}${serviceName}-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'br/public:avm/res/storage/storage-account:0.8.3' = {
  name: 'storage'
  scope: rg
  params: {
    name: storageAccountName
    location: location
    tags: tags
    // Identity-based access only: no account keys, no SAS, no anonymous blobs.
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    dnsEndpointType: 'Standard'
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
    blobServices: {
      containers: [
        {
          name: deploymentContainerName
        }
        {
          name: relayBlobContainerName
        }
      ]
    }
    queueServices: {
      // The poison queue is created up front so alerts and dashboards can point at it before the first failure.
      queues: [
        {
          name: relayQueueName
        }
        {
          name: '${relayQueueName}-poison'
        }
      ]
    }
  }
}

module keyVault 'security/key-vault.bicep' = {
  name: 'keyVault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
    legacyWorkspaceId: legacyWorkspaceId
    legacyWorkspacePrimaryKey: legacyWorkspacePrimaryKey
    legacyWorkspaceSecondaryKey: legacyWorkspaceSecondaryKey
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Monitoring: the app's own telemetry
// ---------------------------------------------------------------------------------------------------------------

// The app's telemetry goes to a small workspace of its own, never to the Sentinel workspace (where it would be
// billed as security data). When no existing workspace is given, this one is also the relay's destination.
module logAnalytics 'br/public:avm/res/operational-insights/workspace:0.11.1' = {
  name: 'logAnalytics'
  scope: rg
  params: {
    name: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    location: location
    tags: tags
    dataRetention: 30
  }
}

module applicationInsights 'br/public:avm/res/insights/component:0.6.0' = {
  name: 'applicationInsights'
  scope: rg
  params: {
    name: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    workspaceResourceId: logAnalytics.outputs.resourceId
    // Entra authentication only: the instrumentation key alone cannot send telemetry.
    disableLocalAuth: true
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Destination: workspace tables, DCE, DCR
// ---------------------------------------------------------------------------------------------------------------

module workspaceTables 'monitor/workspace-tables.bicep' = {
  name: 'workspaceTables'
  // ARM evaluates only the chosen branch of a condition, so the id parts are read only when an id was given.
  scope: resourceGroup(
    useExistingWorkspace ? workspaceIdParts[2] : subscription().subscriptionId,
    useExistingWorkspace ? workspaceIdParts[4] : rg.name
  )
  params: {
    workspaceName: useExistingWorkspace ? last(workspaceIdParts) : '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    // The Sentinel solution owns its table when its DCR is used; otherwise the relay creates the identical table.
    createKeeperTable: !useExistingKeeperDcr
  }
  dependsOn: [
    logAnalytics
  ]
}

// Logs Ingestion endpoints must be in the destination workspace's region, which may differ from the app's.
module dataCollectionEndpoint 'monitor/data-collection-endpoint.bicep' = {
  name: 'dataCollectionEndpoint'
  scope: rg
  params: {
    name: '${abbrs.insightsDataCollectionEndpoints}${resourceToken}'
    location: workspaceTables.outputs.location
    tags: tags
    publicNetworkAccess: dcePublicNetworkAccess
  }
}

module dataCollectionRule 'monitor/data-collection-rule.bicep' = {
  name: 'dataCollectionRule'
  scope: rg
  params: {
    name: '${abbrs.insightsDataCollectionRules}${resourceToken}'
    location: workspaceTables.outputs.location
    tags: tags
    dataCollectionEndpointId: dataCollectionEndpoint.outputs.resourceId
    // Referencing the tables module's output also orders the DCR after the tables its dataflows write to.
    workspaceResourceId: workspaceTables.outputs.resourceId
    includeKeeperStream: !useExistingKeeperDcr
    includeKeeperLegacyStream: keeperClEnabled
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Least-privilege roles
// ---------------------------------------------------------------------------------------------------------------

module relayRoles 'rbac/relay-role-assignments.bicep' = {
  name: 'relayRoleAssignments'
  scope: rg
  params: {
    appPrincipalId: identity.outputs.principalId
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    dataCollectionRuleName: dataCollectionRule.outputs.name
    applicationInsightsName: applicationInsights.outputs.name
  }
}

module keeperDcrPublisher 'rbac/keeper-dcr-publisher.bicep' = if (useExistingKeeperDcr) {
  name: 'keeperDcrPublisher'
  scope: resourceGroup(
    useExistingKeeperDcr ? keeperDcrIdParts[2] : subscription().subscriptionId,
    useExistingKeeperDcr ? keeperDcrIdParts[4] : rg.name
  )
  params: {
    dataCollectionRuleName: last(keeperDcrIdParts)
    appPrincipalId: identity.outputs.principalId
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The app
// ---------------------------------------------------------------------------------------------------------------

module appServicePlan 'br/public:avm/res/web/serverfarm:0.1.1' = {
  name: 'appServicePlan'
  scope: rg
  params: {
    name: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    sku: {
      name: 'FC1'
      tier: 'FlexConsumption'
    }
    reserved: true
  }
}

// Operations: alert rules, optional e-mail action group and the workbook (infra/monitor/monitoring.bicep).
module monitoring 'monitor/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    location: location
    tags: tags
    resourceToken: resourceToken
    telemetryWorkspaceId: logAnalytics.outputs.resourceId
    destinationWorkspaceId: workspaceTables.outputs.resourceId
    alertEmail: alertEmail
  }
}

module functionApp 'app/function-app.bicep' = {
  name: 'functionApp'
  scope: rg
  params: {
    name: '${abbrs.webSitesFunctions}${serviceName}-${resourceToken}'
    location: location
    tags: tags
    serviceName: serviceName
    appServicePlanId: appServicePlan.outputs.resourceId
    identityResourceId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    blobServiceUri: blobServiceUri
    queueServiceUri: queueServiceUri
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: applicationInsights.outputs.connectionString
    legacyWorkspaceId: legacyWorkspaceId
    primaryKeySecretUri: keyVault.outputs.primaryKeySecretUri
    secondaryKeySecretUri: keyVault.outputs.secondaryKeySecretUri
    relayQueueName: relayQueueName
    relayBlobContainerName: relayBlobContainerName
    relayCloud: effectiveCloud
    ingestionEndpoint: dataCollectionEndpoint.outputs.logsIngestionEndpoint
    dcrImmutableId: dataCollectionRule.outputs.immutableId
    keeperDcrImmutableId: useExistingKeeperDcr ? keeperDcrPublisher.outputs.immutableId : ''
    keeperIngestionEndpoint: existingKeeperIngestionEndpoint
    keeperClEnabled: keeperClEnabled
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
  }
  // The app starts resolving Key Vault references and storage connections as soon as it exists.
  dependsOn: [
    relayRoles
    storage
  ]
}

// ---------------------------------------------------------------------------------------------------------------
// Outputs: azd stores them in .azure/<env>/.env (none is a secret)
// ---------------------------------------------------------------------------------------------------------------

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_RELAY_NAME string = functionApp.outputs.name
output SERVICE_RELAY_URI string = functionApp.outputs.uri
@description('Where legacy senders post: https://<host>/api/logs?api-version=2016-04-01')
output RELAY_LEGACY_ENDPOINT string = '${functionApp.outputs.uri}/api/logs?api-version=2016-04-01'
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output APPLICATIONINSIGHTS_CONNECTION_STRING string = applicationInsights.outputs.connectionString
output LOG_ANALYTICS_WORKSPACE_RESOURCE_ID string = workspaceTables.outputs.resourceId
output LOG_ANALYTICS_WORKSPACE_ID string = workspaceTables.outputs.customerId
output AZURE_CLIENT_ID string = identity.outputs.clientId

// The relay's own settings, so a local run against Azure (`azd env get-values`) sees what the app sees.
output RELAY_WORKSPACE_1_ID string = legacyWorkspaceId
output RELAY_CLOUD string = effectiveCloud
output RELAY_QUEUE_NAME string = relayQueueName
output RELAY_BLOB_CONTAINER string = relayBlobContainerName
output RELAY_STORAGE__queueServiceUri string = queueServiceUri
output RELAY_STORAGE__blobServiceUri string = blobServiceUri
output RELAY_INGESTION_ENDPOINT string = dataCollectionEndpoint.outputs.logsIngestionEndpoint
output RELAY_DCR_IMMUTABLE_ID string = dataCollectionRule.outputs.immutableId
output RELAY_KEEPER_DCR_IMMUTABLE_ID string = useExistingKeeperDcr ? keeperDcrPublisher.outputs.immutableId : ''
output RELAY_KEEPER_INGESTION_ENDPOINT string = existingKeeperIngestionEndpoint
output RELAY_KEEPER_CL_ENABLED string = keeperClEnabled ? 'true' : 'false'
