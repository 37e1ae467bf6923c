// Operations for the relay: alert rules, an optional e-mail action group and the workbook (one module call from
// main.bicep). See docs/operations.md.

param location string
param tags object = {}
param resourceToken string

@description('Resource id of the Log Analytics workspace Application Insights writes to.')
param telemetryWorkspaceId string

@description('Resource id of the destination workspace holding the relay tables.')
param destinationWorkspaceId string

@description('E-mail address the alert rules notify; empty: no action group, alerts show in the portal only.')
param alertEmail string = ''

@description('Alert when the oldest waiting request is older than this many minutes.')
param backlogMaxAgeMinutes int = 15

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-relay-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'relay'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

module alerts 'alerts.bicep' = {
  name: 'relayAlerts'
  params: {
    location: location
    tags: tags
    telemetryWorkspaceId: telemetryWorkspaceId
    destinationWorkspaceId: destinationWorkspaceId
    actionGroupId: empty(alertEmail) ? '' : actionGroup.id
    backlogMaxAgeMinutes: backlogMaxAgeMinutes
  }
}

module workbook 'workbook.bicep' = {
  name: 'relayWorkbook'
  params: {
    location: location
    tags: tags
    telemetryWorkspaceId: telemetryWorkspaceId
    destinationWorkspaceId: destinationWorkspaceId
  }
}

output alertRuleNames array = alerts.outputs.ruleNames
output workbookId string = workbook.outputs.workbookId
