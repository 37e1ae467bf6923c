// The relay's storage account: host storage, the deployment package container, the relay's queue and large-body
// container. Identity-based access only (what the AVM module was configured for): no account keys, no SAS, no
// anonymous blobs, TLS 1.2, HTTPS only.

param name string
param location string
param tags object = {}

@description('Blob containers to create (deployment package, large request bodies).')
param containerNames array

@description('Queues to create (the relay queue and its poison queue).')
param queueNames array

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    dnsEndpointType: 'Standard'
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }

  resource blobService 'blobServices' = {
    name: 'default'

    resource containers 'containers' = [
      for c in containerNames: {
        name: c
        properties: {
          publicAccess: 'None'
        }
      }
    ]
  }

  resource queueService 'queueServices' = {
    name: 'default'

    resource queues 'queues' = [
      for q in queueNames: {
        name: q
      }
    ]
  }
}

output name string = account.name
output resourceId string = account.id
