/**
 * API Gateway Lambda authorizer (`shared/authorizer/authorizer-handler.ts`: event shapes, answers, errors).
 * This file only reads configuration and wires dependencies, once per container: a configuration problem
 * stops the function here, before any request is answered.
 */
import { authorizerConfigFromEnv } from '../shared/authorizer/authorizer-config';
import { createAuthorizerHandler } from '../shared/authorizer/authorizer-handler';
import { createCognitoJwtVerifier } from '../shared/authorizer/token-verifier';
import { registryConfigFromEnv } from '../shared/registry/registry-config';
import { RegistryReader } from '../shared/registry/registry-reader';
import { DecisionMetrics } from '../shared/runtime/decision-metrics';
import { createDynamoDBClient } from '../shared/runtime/dynamodb-client';
import { logger } from '../shared/runtime/logger';

export type { PolicyResponse, SimpleResponse } from '../shared/authorizer/authorizer-handler';

const config = authorizerConfigFromEnv(process.env);
// The registry (GetItem only) is always read: the tenant check pins tokens to their pool and cannot be turned off.
const registry = registryConfigFromEnv(process.env);

/** The Lambda handler. Throws exactly `Error('Unauthorized')` or returns a response; never anything else. */
export const handler = createAuthorizerHandler({
  config,
  jwtVerifier: createCognitoJwtVerifier(config),
  // The endpoint comes from the SDK's own configuration (AWS_ENDPOINT_URL_DYNAMODB locally). Reads only: the
  // registry's writes stay out of this bundle (docs/benchmarks.md).
  tenants: new RegistryReader({ client: createDynamoDBClient(), tableName: registry.tableName }),
  logger,
  metrics: new DecisionMetrics({ service: 'authorizer', tiers: config.tiers.names, logger }),
});
