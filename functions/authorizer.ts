/**
 * API Gateway Lambda authorizer (`shared/authorizer/authorizer-handler.ts`: event shapes, answers, errors).
 * This file only reads configuration and wires dependencies, once per container: a configuration problem
 * stops the function here, before any request is answered.
 */
import { authorizerConfigFromEnv } from '../shared/authorizer/authorizer-config';
import { createAuthorizerHandler } from '../shared/authorizer/authorizer-handler';
import { createCognitoJwtVerifier } from '../shared/authorizer/token-verifier';
import { registryConfigFromEnv } from '../shared/registry/registry-config';
import { TenantRegistry } from '../shared/registry/tenant-registry';
import { DecisionMetrics } from '../shared/runtime/decision-metrics';
import { createDynamoDBClient } from '../shared/runtime/dynamodb-client';
import { logger } from '../shared/runtime/logger';

export type { PolicyResponse, SimpleResponse } from '../shared/authorizer/authorizer-handler';

const config = authorizerConfigFromEnv(process.env);
// The registry (GetItem only) is read only with the tenant check on, which is the default. Imported statically:
// loading it with `import()` split it (and the DynamoDB client) into a dozen chunks read one by one at cold
// start, ~9 ms slower than one bundle. With the check off, the client module loads but is never constructed.
const registry = config.tenantCheck ? registryConfigFromEnv(process.env) : undefined;

/** The Lambda handler. Throws exactly `Error('Unauthorized')` or returns a response; never anything else. */
export const handler = createAuthorizerHandler({
  config,
  jwtVerifier: createCognitoJwtVerifier(config),
  // The endpoint comes from the SDK's own configuration (AWS_ENDPOINT_URL_DYNAMODB locally).
  tenants: registry && new TenantRegistry({ client: createDynamoDBClient(), ...registry }),
  logger,
  metrics: new DecisionMetrics({ service: 'authorizer', tiers: config.tiers.names }),
});
