/**
 * Cognito pre token generation trigger (V1_0, V2_0, V3_0): puts `tenantId`, `tier` and role groups into tokens
 * and refuses tokens for users without an active tenant (`shared/tokens/pre-token-generation.ts`). This file only
 * reads configuration and wires dependencies, once per container: a bad configuration stops the function before
 * it issues any token, and the registry client, caches and claim shaper are reused across invocations.
 */
import { registryConfigFromEnv } from '../shared/registry/registry-config';
import { RegistryReader } from '../shared/registry/registry-reader';
import { DecisionMetrics } from '../shared/runtime/decision-metrics';
import { createDynamoDBClient } from '../shared/runtime/dynamodb-client';
import { logger } from '../shared/runtime/logger';
import { loadTracer, traced, tracedHandler } from '../shared/runtime/tracer';
import { preTokenConfigFromEnv } from '../shared/tokens/pre-token-config';
import { createPreTokenGenerationHandler } from '../shared/tokens/pre-token-generation';

const config = preTokenConfigFromEnv(process.env);
const tracer = await loadTracer();
const { tableName, tiers } = registryConfigFromEnv(process.env);

/** The Lambda entry point; `serverless.yml` points the PreTokenGeneration trigger here. */
export const handler = tracedHandler(
  tracer,
  createPreTokenGenerationHandler({
    // The endpoint comes from the SDK's own configuration (AWS_ENDPOINT_URL_DYNAMODB locally). Reads only: the
    // registry's writes stay out of this bundle.
    registry: new RegistryReader({ client: traced(tracer, createDynamoDBClient()), tableName }),
    config,
    logger,
    metrics: new DecisionMetrics({ service: 'pre-token-generation', tiers: tiers.names, logger }),
  }),
);
