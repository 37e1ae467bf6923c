// Key Vault holding the legacy workspace keys the relay checks SharedKey signatures with. The Function App reads them
// through Key Vault references, so the keys never appear in app settings, azd's .env file or deployment outputs.

param name string
param location string
param tags object = {}

@description('Workspace id the legacy senders sign with; used only to label the secrets.')
param legacyWorkspaceId string

@secure()
@description('Primary key of the legacy workspace (base64, as the portal shows it).')
param legacyWorkspacePrimaryKey string

@secure()
@description('Secondary key of the legacy workspace, accepted too so senders keep working through a key rotation.')
param legacyWorkspaceSecondaryKey string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    // Azure RBAC rather than access policies: the app identity gets Key Vault Secrets User on this vault only.
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    // enablePurgeProtection is left unset (off): once on it can never be turned off, and `azd down --purge` could no
    // longer remove the vault. The secrets are copies of workspace keys, readable again from the workspace.
    // Key Vault references from App Service resolve over the public endpoint unless the app is VNet-integrated.
    publicNetworkAccess: 'Enabled'
  }
}

resource primaryKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'relay-workspace-1-primary-key'
  properties: {
    value: legacyWorkspacePrimaryKey
    contentType: 'Log Analytics shared key (primary) of workspace ${legacyWorkspaceId}'
  }
}

resource secondaryKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'relay-workspace-1-secondary-key'
  properties: {
    value: legacyWorkspaceSecondaryKey
    contentType: 'Log Analytics shared key (secondary) of workspace ${legacyWorkspaceId}'
  }
}

output name string = vault.name
output resourceId string = vault.id
output vaultUri string = vault.properties.vaultUri
// Versionless URIs: the app picks up a rotated key (new secret version) without a redeployment.
output primaryKeySecretUri string = primaryKey.properties.secretUri
output secondaryKeySecretUri string = secondaryKey.properties.secretUri
