/**
 * Cognito post confirmation trigger: assigns a newly confirmed user to a tenant
 * (`shared/assignment/post-confirmation-handler.ts`). This file only reads configuration and wires dependencies,
 * once per container: a bad configuration stops the function at cold start.
 */
import { assignmentConfigFromEnv } from '../shared/assignment/assignment-config';
import { createPostConfirmationHandler } from '../shared/assignment/post-confirmation-handler';
import { createCognitoClient } from '../shared/runtime/cognito-client';
import { DecisionMetrics } from '../shared/runtime/decision-metrics';
import { createDynamoDBClient } from '../shared/runtime/dynamodb-client';
import { logger } from '../shared/runtime/logger';
import { loadTracer, traced } from '../shared/runtime/tracer';

const config = assignmentConfigFromEnv(process.env);
const tracer = await loadTracer();

/** The Lambda entry point; `serverless.yml` points the PostConfirmation trigger here. Returns the event. */
export const handler = createPostConfirmationHandler({
  // Endpoints come from the SDK's own configuration (AWS_ENDPOINT_URL_* locally); both clients are bounded.
  dynamodb: traced(tracer, createDynamoDBClient()),
  cognito: traced(tracer, createCognitoClient()),
  config,
  logger,
  metrics: new DecisionMetrics({ service: 'post-confirmation', tiers: config.tiers.names, logger }),
});
