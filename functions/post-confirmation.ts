/**
 * Cognito post confirmation trigger: assigns a newly confirmed user to a tenant (registry first, then
 * `custom:tenantId`; the role stays in the membership). Thin: the decision and the commit live in
 * `shared/assignment/tenant-assignment.ts`. Everything below the imports runs once per container: a bad configuration
 * stops the function at cold start.
 */
import type { Context } from 'aws-lambda';
import { assignmentConfigFromEnv } from '../shared/assignment/assignment-config';
import { newUserFromTrigger } from '../shared/assignment/new-user';
import { recordRefusal } from '../shared/assignment/refusal-record';
import { assignTenant } from '../shared/assignment/tenant-assignment';
import { userSafeError } from '../shared/assignment/trigger-error';
import { TenantDirectory } from '../shared/cognito/tenant-directory';
import { TenantRegistry } from '../shared/registry/tenant-registry';
import { createCognitoClient } from '../shared/runtime/cognito-client';
import { triggerBudget, withDeadline } from '../shared/runtime/deadline';
import { DecisionMetrics } from '../shared/runtime/decision-metrics';
import { createDynamoDBClient } from '../shared/runtime/dynamodb-client';
import { InvalidInputError } from '../shared/runtime/errors';
import { logger } from '../shared/runtime/logger';
import { loadTracer, traced } from '../shared/runtime/tracer';

const config = assignmentConfigFromEnv(process.env);
// The Lambda request being served (one at a time per container), for audit items.
let requestId = '';
const tracer = await loadTracer();
// Endpoints come from the SDK's own configuration (AWS_ENDPOINT_URL_* locally); both clients are bounded.
const registry = new TenantRegistry({
  client: traced(tracer, createDynamoDBClient()),
  tableName: config.tableName,
  tiers: config.tiers,
  adminRole: config.adminRole,
  // Audit items name this trigger and the Lambda request that wrote them (README "Audit trail").
  audit: { actor: 'trigger:post-confirmation', retentionDays: config.auditRetentionDays, requestId: () => requestId },
});
const directory = new TenantDirectory(traced(tracer, createCognitoClient()));
const metrics = new DecisionMetrics({ service: 'post-confirmation', tiers: config.tiers.names });

/** The Lambda entry point; `serverless.yml` points the PostConfirmation trigger here. Returns the event. */
export async function handler<E>(
  event: E,
  context?: Pick<Context, 'getRemainingTimeInMillis'> & Partial<Pick<Context, 'awsRequestId'>>,
): Promise<E> {
  logger.resetKeys();
  requestId = context?.awsRequestId ?? '';
  let user: ReturnType<typeof newUserFromTrigger>;
  try {
    user = newUserFromTrigger(event);
  } catch (error) {
    throw userSafeError(error, logger, metrics);
  }
  logger.appendKeys({ triggerSource: user.triggerSource, sub: user.sub });
  // A password reset confirms nothing about tenancy: never (re)assign on it.
  if (user.triggerSource === 'PostConfirmation_ConfirmForgotPassword') return event;
  if (user.triggerSource !== 'PostConfirmation_ConfirmSignUp') {
    throw userSafeError(
      new InvalidInputError(`unexpected trigger source ${user.triggerSource}`, 'triggerSource'),
      logger,
      metrics,
    );
  }
  const budget = triggerBudget(config.budgetMs, context);
  const started = Date.now();
  try {
    await withDeadline(
      'post confirmation',
      budget,
      assignTenant({ registry, directory, config, logger, metrics }, user),
    );
    return event;
  } catch (error) {
    // Within what is left of the budget: the user must get the refusal, not Cognito's timeout.
    const left = Math.max(0, budget - (Date.now() - started));
    await withDeadline('audit refusal', left, recordRefusal(registry, error, user, logger)).catch(() =>
      logger.warn('sign-up refusal not recorded in the audit trail', { error: 'DeadlineExceededError' }),
    );
    throw userSafeError(error, logger, metrics);
  }
}
