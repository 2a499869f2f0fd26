/**
 * Cognito pre sign-up trigger: refuses sign-ups that no active tenant with a free seat would take
 * (`shared/assignment/pre-sign-up-handler.ts`). This file only reads configuration and wires dependencies, once
 * per container: a bad configuration stops the function at cold start.
 */
import { assignmentConfigFromEnv } from '../shared/assignment/assignment-config';
import { createPreSignUpHandler } from '../shared/assignment/pre-sign-up-handler';
import { DecisionMetrics } from '../shared/runtime/decision-metrics';
import { createDynamoDBClient } from '../shared/runtime/dynamodb-client';
import { logger } from '../shared/runtime/logger';
import { loadTracer, traced } from '../shared/runtime/tracer';

const config = assignmentConfigFromEnv(process.env);
const tracer = await loadTracer();

/** The Lambda entry point; `serverless.yml` points the PreSignUp trigger here. Returns the event. */
export const handler = createPreSignUpHandler({
  // The endpoint comes from the SDK's own configuration (AWS_ENDPOINT_URL_DYNAMODB locally); the client is bounded.
  dynamodb: traced(tracer, createDynamoDBClient()),
  config,
  logger,
  metrics: new DecisionMetrics({ service: 'pre-sign-up', tiers: config.tiers.names, logger }),
});
