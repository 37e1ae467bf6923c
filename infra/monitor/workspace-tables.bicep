// The relay's custom tables in the destination Log Analytics workspace (new or the customer's Sentinel workspace).
// Deployed at the workspace's resource group, which may differ from the relay's. Table schemas come from the same
// stream files the relay's mapper imports, so the code, the DCR and the tables cannot drift apart.

@description('Name of the destination Log Analytics workspace (must exist in this resource group).')
param workspaceName string

@description('Create KeeperSecurityEventNewLogs_CL. False when the Sentinel Keeper solution (and its DCR) already owns it.')
param createKeeperTable bool = true

var keeperStream = loadJsonContent('../../shared/streams/keeper-security-events.json')
var relayedStream = loadJsonContent('../../shared/streams/relayed-logs.json')
var heartbeatStream = loadJsonContent('../../shared/streams/relay-heartbeat.json')

// Keeper_CL (keeper-legacy-cl.json) is deliberately absent: it is the customer's classic table, migrated in place
// (docs/migration.md), never created or reshaped by this template.
var streams = concat([relayedStream, heartbeatStream], createKeeperTable ? [keeperStream] : [])

// Stream files use DCR stream types; tables spell datetime as dateTime and may refine a string to guid (tableType).
var tableDefinitions = map(streams, s => {
  name: s.table
  columns: map(s.columns, c => {
    name: c.tableColumn
    type: c.?tableType ?? (c.type == 'datetime' ? 'dateTime' : c.type)
  })
})

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: workspaceName
}

// The Keeper table's schema equals the Sentinel solution's column for column, so a later solution install (or an
// earlier one) writes the same PUT and neither side breaks the other.
resource tables 'Microsoft.OperationalInsights/workspaces/tables@2022-10-01' = [
  for t in tableDefinitions: {
    parent: workspace
    name: t.name
    properties: {
      plan: 'Analytics'
      schema: {
        name: t.name
        columns: t.columns
      }
    }
  }
]

output resourceId string = workspace.id
output location string = workspace.location
@description('Workspace (customer) id: the GUID the Log Analytics portal shows.')
output customerId string = workspace.properties.customerId
output tableNames array = [for (t, i) in tableDefinitions: tables[i].name]
