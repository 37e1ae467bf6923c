// The relay's Function App (Node 22, Linux) on Flex Consumption or Elastic Premium, running as a user-assigned
// managed identity.
// Every setting the code's settings schema requires in Azure (shared/settings/appSettings.ts, requiredInAzure) is set here,
// so nothing needs setting by hand after `azd up`; test/infra checks that list against this file.

param name string
param location string
param tags object = {}

@description('azd deploys the code to the resource carrying this tag; must match the service name in azure.yaml.')
param serviceName string = 'relay'

param appServicePlanId string

@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
@description('The plan appServicePlanId is: Flex takes the runtime and deployment in functionAppConfig, Elastic Premium in siteConfig and app settings.')
param hostingPlan string = 'FlexConsumption'

@description('Sender IP addresses or CIDR ranges allowed to reach the app (access restrictions); empty allows all.')
param allowedSenderIpRanges string[] = []

@description('Resource id of the user-assigned identity the app runs as.')
param identityResourceId string

@description('Client id of that identity: picks it for storage, Logs Ingestion, Key Vault references and telemetry.')
param identityClientId string

param blobServiceUri string
param queueServiceUri string

@description('Blob container Flex Consumption deploys the app package from (unused on Elastic Premium).')
param deploymentContainerName string

param applicationInsightsConnectionString string

// Relay settings (names in shared/settings/appSettings.ts).
param legacyWorkspaceId string
param primaryKeySecretUri string
param secondaryKeySecretUri string
param relayQueueName string
param relayBlobContainerName string

@allowed([
  'public'
  'usgovernment'
  'china'
])
param relayCloud string

param ingestionEndpoint string
param dcrImmutableId string

@description('Immutable id of an existing Sentinel Keeper solution DCR; empty to send Keeper events through the relay\'s DCR.')
param keeperDcrImmutableId string = ''
param keeperIngestionEndpoint string = ''

param keeperClEnabled bool = false

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048
param maximumInstanceCount int = 100

var isFlex = hostingPlan == 'FlexConsumption'

// Access restrictions: one Allow rule per sender range and Deny for the rest; no rule and Allow when the list is
// empty. The scm (deployment) site keeps its own, unrestricted rules: it accepts only Entra-authenticated deploys.
var senderRules = [
  for (range, i) in allowedSenderIpRanges: {
    name: 'sender-${i + 1}'
    ipAddress: contains(range, '/') ? range : '${range}/32'
    action: 'Allow'
    priority: 100 + i
  }
]

// Elastic Premium runs the package azd zip-deploys (remote build with Oryx), Linux without an Azure Files content
// share, which would need a storage connection string (the account has shared keys disabled).
var elasticPremiumSettings = isFlex ? {} : {
  FUNCTIONS_EXTENSION_VERSION: '~4'
  FUNCTIONS_WORKER_RUNTIME: 'node'
  SCM_DO_BUILD_DURING_DEPLOYMENT: 'true'
  ENABLE_ORYX_BUILD: 'true'
}

// Only when Keeper events go to the Sentinel solution's existing DCR instead of the relay's.
var keeperDcrSettings = empty(keeperDcrImmutableId) ? {} : {
  RELAY_KEEPER_DCR_IMMUTABLE_ID: keeperDcrImmutableId
  RELAY_KEEPER_INGESTION_ENDPOINT: keeperIngestionEndpoint
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    serverFarmId: appServicePlanId
    httpsOnly: true
    // Key Vault references resolve with this identity; without it App Service would look for a system identity.
    keyVaultReferenceIdentity: identityResourceId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      linuxFxVersion: isFlex ? null : 'Node|22'
      ipSecurityRestrictions: senderRules
      ipSecurityRestrictionsDefaultAction: empty(allowedSenderIpRanges) ? 'Allow' : 'Deny'
      scmIpSecurityRestrictionsUseMain: false
    }
    functionAppConfig: !isFlex ? null : {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobServiceUri}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }

  // Flex Consumption rejects FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION: its runtime is set above.
  resource appSettings 'config' = {
    name: 'appsettings'
    properties: union(
      {
        // Host storage (keys, leases, deployment) through the identity: the account has shared-key access disabled.
        // Service URIs rather than accountName, so sovereign clouds get their own storage suffix.
        AzureWebJobsStorage__blobServiceUri: blobServiceUri
        AzureWebJobsStorage__queueServiceUri: queueServiceUri
        AzureWebJobsStorage__credential: 'managedidentity'
        AzureWebJobsStorage__clientId: identityClientId

        // Telemetry with Entra authentication (the component has local auth disabled).
        APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'

        // The legacy workspace the senders sign for; the keys stay in Key Vault.
        RELAY_WORKSPACE_1_ID: legacyWorkspaceId
        RELAY_WORKSPACE_1_PRIMARY_KEY: '@Microsoft.KeyVault(SecretUri=${primaryKeySecretUri})'
        RELAY_WORKSPACE_1_SECONDARY_KEY: '@Microsoft.KeyVault(SecretUri=${secondaryKeySecretUri})'

        // The relay's queue and large-body container, through the identity (also the queue trigger's connection).
        RELAY_QUEUE_NAME: relayQueueName
        RELAY_BLOB_CONTAINER: relayBlobContainerName
        RELAY_STORAGE__queueServiceUri: queueServiceUri
        RELAY_STORAGE__blobServiceUri: blobServiceUri
        RELAY_STORAGE__credential: 'managedidentity'
        RELAY_STORAGE__clientId: identityClientId

        // Logs Ingestion API: the identity is picked by AZURE_CLIENT_ID, the token audience by RELAY_CLOUD.
        AZURE_CLIENT_ID: identityClientId
        RELAY_CLOUD: relayCloud
        RELAY_INGESTION_ENDPOINT: ingestionEndpoint
        RELAY_DCR_IMMUTABLE_ID: dcrImmutableId
        RELAY_KEEPER_CL_ENABLED: keeperClEnabled ? 'true' : 'false'
      },
      keeperDcrSettings,
      elasticPremiumSettings
    )
  }

  // azd deploys with Entra tokens (OneDeploy); basic-auth publishing credentials are never needed.
  resource ftpCredentials 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }

  resource scmCredentials 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }
}

output name string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
output uri string = 'https://${functionApp.properties.defaultHostName}'
