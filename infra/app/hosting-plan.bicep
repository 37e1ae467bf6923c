// The Function App's plan: Flex Consumption where it is offered, Elastic Premium (EP1) in clouds without it.

param name string
param location string
param tags object = {}

@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
param hostingPlan string

@description('Elastic Premium only: instances kept warm (at least 1, billed continuously) and the scale-out limit.')
param minimumElasticInstanceCount int = 1
param maximumElasticWorkerCount int = 20

var isFlex = hostingPlan == 'FlexConsumption'

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: isFlex ? 'functionapp' : 'elastic'
  sku: isFlex
    ? {
        name: 'FC1'
        tier: 'FlexConsumption'
      }
    : {
        name: 'EP1'
        tier: 'ElasticPremium'
        capacity: minimumElasticInstanceCount
      }
  properties: {
    // Linux.
    reserved: true
    maximumElasticWorkerCount: isFlex ? null : maximumElasticWorkerCount
  }
}

output resourceId string = plan.id
output skuName string = plan.sku.name
