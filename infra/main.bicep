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
@description('Region of the Function App and its storage, vault and telemetry. With hostingPlan FlexConsumption it must offer Flex Consumption.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Name of an existing resource group to deploy into (referenced, never re-declared, so its region may differ); empty to create rg-<environmentName>.')
param resourceGroupName string = ''

@description('Object id of the person or pipeline running azd (azd sets AZURE_PRINCIPAL_ID).')
param principalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
@description('Type of that principal (azd sets AZURE_PRINCIPAL_TYPE; ServicePrincipal under `azd pipeline`).')
param principalType string = 'User'

@description('Grant the deployer the data roles a local run against Azure needs (the relay\'s queues and large-body container, publishing to its DCR). Never for a service principal; never a Key Vault role.')
param grantDeployerLocalRunRoles bool = false

// ---------------------------------------------------------------------------------------------------------------
// The legacy workspace the senders sign for. No defaults and absent from main.parameters.json, so `azd up` prompts
// for them. azd keeps the secure answers in its local vault (~/.azd/vaults) and only a reference in
// .azure/<env>/config.json; in Azure the keys land only in Key Vault (docs/deploy.md).
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
  'auto'
  'FlexConsumption'
  'ElasticPremium'
])
@description('Function App plan. auto: Flex Consumption, except Elastic Premium (EP1) in US Government and China, where Flex Consumption is not offered. Set FlexConsumption or ElasticPremium to override (e.g. a public region without Flex).')
param hostingPlan string = 'auto'

@description('Comma-separated sender IP addresses or CIDR ranges allowed to reach the relay (Function App access restrictions), e.g. Keeper\'s published egress addresses. Empty allows every address.')
param allowedSenderIpRanges string = ''

@allowed([
  512
  2048
  4096
])
@description('Flex Consumption only: instance memory.')
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

// Must match the code's defaults (shared/settings/settings.ts) and the poison queue the Functions host moves failures to.
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
var autoCloud = clouds[?environment().name] ?? 'public'
var effectiveCloud = relayCloud == 'auto' ? autoCloud : relayCloud

// Flex Consumption is not offered in US Government or China (docs/deploy.md "Hosting plan by cloud").
var cloudsWithoutFlex = [
  'AzureUSGovernment'
  'AzureChinaCloud'
]
var effectiveHostingPlan = hostingPlan == 'ElasticPremium' || (hostingPlan == 'auto' && contains(cloudsWithoutFlex, environment().name))
  ? 'ElasticPremium'
  : 'FlexConsumption'

// Refused at provision time (before anything is created) rather than deploying a Keeper route with no endpoint.
var keeperDcrPairCheck = empty(existingKeeperDcrResourceId) == empty(existingKeeperIngestionEndpoint)
  ? 'ok'
  : fail('existingKeeperDcrResourceId (RELAY_EXISTING_KEEPER_DCR_RESOURCE_ID) and existingKeeperIngestionEndpoint (RELAY_EXISTING_KEEPER_INGESTION_ENDPOINT) must be set together: the DCR\'s immutable id is useless without the endpoint that accepts it.')

// The deployer gets local-run roles only when asked, and never as a service principal (a CI pipeline needs none).
var grantDeployer = grantDeployerLocalRunRoles && !empty(principalId) && principalType != 'ServicePrincipal'

// An existing group is referenced (its region may differ from `location`); otherwise one is created.
var createResourceGroup = empty(resourceGroupName)
var rgName = createResourceGroup ? '${abbrs.resourcesResourceGroups}${environmentName}' : resourceGroupName

resource newResourceGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = if (createResourceGroup) {
  name: rgName
  location: location
  tags: union(tags, { 'relay-keeper-dcr-pair': keeperDcrPairCheck })
}

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' existing = {
  name: rgName
  dependsOn: [
    newResourceGroup
  ]
}

// The DCR streams, generated from shared/streams by `npm run generate:dcr`. Which ones this deployment routes:
// a Sentinel solution's stream only when its DCR is not used instead; a stream with a switch only when it is on.
// Keyed by the app setting each stream file names in enabledBySetting, which the same parameter sets for the route.
var streamSwitches = {
  RELAY_KEEPER_CL_ENABLED: keeperClEnabled
}
var generatedStreams = loadJsonContent('monitor/dcr-streams.generated.json').streams
var routedStreams = filter(
  generatedStreams,
  s => (s.tableSource != 'sentinelSolution' || !useExistingKeeperDcr) && (empty(s.enabledBy) || streamSwitches[s.enabledBy])
)
// Classic tables are the customer's, migrated in place; the relay creates only its own.
var createdTables = map(filter(routedStreams, s => s.tableSource != 'classic'), s => {
  name: s.table
  columns: s.tableColumns
})

var queueNames = [
  relayQueueName
  // Created up front so alerts and dashboards can point at it before the first failure.
  '${relayQueueName}-poison'
]

var storageAccountName = '${abbrs.storageStorageAccounts}${resourceToken}'
var blobServiceUri = 'https://${storageAccountName}.blob.${environment().suffixes.storage}/'
var queueServiceUri = 'https://${storageAccountName}.queue.${environment().suffixes.storage}/'

// ---------------------------------------------------------------------------------------------------------------
// Identity, storage, vault
// ---------------------------------------------------------------------------------------------------------------

// One user-assigned identity for everything the app touches, so roles can be granted before the app exists.
module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}${serviceName}-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'storage/storage-account.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: storageAccountName
    location: location
    tags: tags
    containerNames: [
      deploymentContainerName
      relayBlobContainerName
    ]
    queueNames: queueNames
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
module logAnalytics 'monitor/log-analytics.bicep' = {
  name: 'logAnalytics'
  scope: rg
  params: {
    name: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    location: location
    tags: tags
    retentionInDays: 30
  }
}

module applicationInsights 'monitor/application-insights.bicep' = {
  name: 'applicationInsights'
  scope: rg
  params: {
    name: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    workspaceResourceId: logAnalytics.outputs.resourceId
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
    useExistingWorkspace ? workspaceIdParts[4] : rgName
  )
  params: {
    workspaceName: useExistingWorkspace ? last(workspaceIdParts) : '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    tables: createdTables
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
    streams: routedStreams
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
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    dataCollectionRuleName: dataCollectionRule.outputs.name
    applicationInsightsName: applicationInsights.outputs.name
  }
}

module deployerRoles 'rbac/deployer-role-assignments.bicep' = if (grantDeployer) {
  name: 'deployerRoleAssignments'
  scope: rg
  params: {
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType == 'Group' ? 'Group' : 'User'
    storageAccountName: storage.outputs.name
    blobContainerName: relayBlobContainerName
    queueNames: queueNames
    dataCollectionRuleName: dataCollectionRule.outputs.name
  }
}

module keeperDcrPublisher 'rbac/keeper-dcr-publisher.bicep' = if (useExistingKeeperDcr) {
  name: 'keeperDcrPublisher'
  scope: resourceGroup(
    useExistingKeeperDcr ? keeperDcrIdParts[2] : subscription().subscriptionId,
    useExistingKeeperDcr ? keeperDcrIdParts[4] : rgName
  )
  params: {
    dataCollectionRuleName: last(keeperDcrIdParts)
    appPrincipalId: identity.outputs.principalId
    deployerPrincipalId: grantDeployer ? principalId : ''
    deployerPrincipalType: principalType == 'Group' ? 'Group' : 'User'
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The app
// ---------------------------------------------------------------------------------------------------------------

module appServicePlan 'app/hosting-plan.bicep' = {
  name: 'appServicePlan'
  scope: rg
  params: {
    name: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    hostingPlan: effectiveHostingPlan
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
    hostingPlan: effectiveHostingPlan
    allowedSenderIpRanges: filter(map(split(allowedSenderIpRanges, ','), r => trim(r)), r => !empty(r))
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
    keeperDcrImmutableId: useExistingKeeperDcr ? keeperDcrPublisher!.outputs.immutableId : ''
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
// Not AZURE_CLIENT_ID: azd writes outputs into every local shell's environment (`azd env get-values`), where that
// name would make DefaultAzureCredential try the app's managed identity instead of the developer's login.
output RELAY_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output RELAY_HOSTING_PLAN string = effectiveHostingPlan

// The relay's own settings, so a local run against Azure (`azd env get-values`) sees what the app sees.
output RELAY_WORKSPACE_1_ID string = legacyWorkspaceId
output RELAY_CLOUD string = effectiveCloud
output RELAY_QUEUE_NAME string = relayQueueName
output RELAY_BLOB_CONTAINER string = relayBlobContainerName
output RELAY_STORAGE__queueServiceUri string = queueServiceUri
output RELAY_STORAGE__blobServiceUri string = blobServiceUri
output RELAY_INGESTION_ENDPOINT string = dataCollectionEndpoint.outputs.logsIngestionEndpoint
output RELAY_DCR_IMMUTABLE_ID string = dataCollectionRule.outputs.immutableId
output RELAY_KEEPER_DCR_IMMUTABLE_ID string = useExistingKeeperDcr ? keeperDcrPublisher!.outputs.immutableId : ''
output RELAY_KEEPER_INGESTION_ENDPOINT string = existingKeeperIngestionEndpoint
output RELAY_KEEPER_CL_ENABLED string = keeperClEnabled ? 'true' : 'false'
