/**
 * Cognito pre token generation trigger (V1_0, V2_0, V3_0): puts `tenantId`, `tier` and role groups into
 * tokens and refuses tokens for users without an active tenant. Thin: everything but wiring lives in
 * `shared/tokens/pre-token-generation.ts`.
 *
 * Everything below the imports runs once per container (cold start): a bad configuration stops the function
 * before it issues any token, and the registry client, caches and claim shaper are reused across invocations.
 */

import { registryConfigFromEnv } from '../shared/registry/registry-config';
import { TenantRegistry } from '../shared/registry/tenant-registry';
import { DecisionMetrics } from '../shared/runtime/decision-metrics';
import { createDynamoDBClient } from '../shared/runtime/dynamodb-client';
import { logger } from '../shared/runtime/logger';
import { loadTracer, traced, tracedHandler } from '../shared/runtime/tracer';
import { preTokenConfigFromEnv } from '../shared/tokens/pre-token-config';
import type { PreTokenGenerationEvent } from '../shared/tokens/pre-token-event';
import { createPreTokenGenerationHandler, type PreTokenResult } from '../shared/tokens/pre-token-generation';

const config = preTokenConfigFromEnv(process.env);
const tracer = await loadTracer();
const { tableName, tiers } = registryConfigFromEnv(process.env);
// The endpoint comes from the SDK's own configuration (AWS_ENDPOINT_URL_DYNAMODB locally).
const client = traced(tracer, createDynamoDBClient());
const registry = new TenantRegistry({ client, tableName, tiers });
const metrics = new DecisionMetrics({ service: 'pre-token-generation', tiers: tiers.names });
const issue = createPreTokenGenerationHandler({ registry, config, logger, metrics });

/** The Lambda entry point; `serverless.yml` points the PreTokenGeneration trigger here. */
export const handler: (event: PreTokenGenerationEvent) => Promise<PreTokenResult> = tracedHandler(tracer, issue);
