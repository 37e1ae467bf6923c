// The custom tables the relay creates in the destination Log Analytics workspace (new, or the customer's Sentinel
// workspace). Deployed at the workspace's resource group, which may differ from the relay's. Classic tables the
// customer migrated (Keeper_CL) are never created or reshaped here (docs/migration.md).

@description('Name of the destination Log Analytics workspace (must exist in this resource group).')
param workspaceName string

@description('Tables to create: name and columns (tables API schema.columns), from dcr-streams.generated.json.')
param tables array

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: workspaceName
}

// A table created by the Sentinel Keeper solution has the same schema column for column, so either PUT leaves the
// other side working.
resource table 'Microsoft.OperationalInsights/workspaces/tables@2022-10-01' = [
  for t in tables: {
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
output tableNames array = [for (t, i) in tables: table[i].name]
