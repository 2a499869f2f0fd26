/**
 * Cognito pre sign-up trigger: refuses sign-ups that no active tenant with a free seat would take, before
 * Cognito creates the user. Read-only; the assignment happens at post confirmation. Thin: the gate lives in
 * `shared/assignment/sign-up-gate.ts`. Everything below the imports runs once per container: a bad configuration stops
 * the function at cold start.
 */
import type { Context } from 'aws-lambda';
import { assignmentConfigFromEnv } from '../shared/assignment/assignment-config';
import { newUserFromTrigger } from '../shared/assignment/new-user';
import { admitSignUp } from '../shared/assignment/sign-up-gate';
import { admissionReason } from '../shared/assignment/tenant-resolution';
import { userSafeError } from '../shared/assignment/trigger-error';
import { TenantRegistry } from '../shared/registry/tenant-registry';
import { triggerBudget, withDeadline } from '../shared/runtime/deadline';
import { DecisionMetrics } from '../shared/runtime/decision-metrics';
import { createDynamoDBClient } from '../shared/runtime/dynamodb-client';
import { InvalidInputError } from '../shared/runtime/errors';
import { logger } from '../shared/runtime/logger';
import { loadTracer, traced } from '../shared/runtime/tracer';

const config = assignmentConfigFromEnv(process.env);
const tracer = await loadTracer();
// The endpoint comes from the SDK's own configuration (AWS_ENDPOINT_URL_DYNAMODB locally); the client is bounded.
// Read-only: pre sign-up runs on addresses nobody has verified yet, so its refusals go to the decision log and
// the metric, never into a tenant's audit trail (anyone could fill it). Post confirmation records them.
const registry = new TenantRegistry({
  client: traced(tracer, createDynamoDBClient()),
  tableName: config.tableName,
  tiers: config.tiers,
});
const metrics = new DecisionMetrics({ service: 'pre-sign-up', tiers: config.tiers.names });

interface PreSignUpEvent {
  response?: { autoConfirmUser?: boolean; autoVerifyEmail?: boolean; autoVerifyPhone?: boolean };
}

/** The Lambda entry point; `serverless.yml` points the PreSignUp trigger here. Returns the event. */
export async function handler<E extends PreSignUpEvent>(
  event: E,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<E> {
  logger.resetKeys();
  let user: ReturnType<typeof newUserFromTrigger>;
  try {
    user = newUserFromTrigger(event);
  } catch (error) {
    throw userSafeError(error, logger, metrics);
  }
  logger.appendKeys({ triggerSource: user.triggerSource });
  // Invitations are made by operators through the tenants CLI, which records the membership itself.
  if (user.triggerSource === 'PreSignUp_AdminCreateUser') {
    metrics.record('admitted', 'invitation');
    return event;
  }
  if (user.triggerSource !== 'PreSignUp_SignUp' && user.triggerSource !== 'PreSignUp_ExternalProvider') {
    throw userSafeError(
      new InvalidInputError(`unexpected trigger source ${user.triggerSource}`, 'triggerSource'),
      logger,
      metrics,
    );
  }
  const budget = triggerBudget(config.budgetMs, context);
  try {
    const admission = await withDeadline('pre sign-up', budget, admitSignUp(registry, config, user));
    const tenantId = admission.resolution.kind === 'self-service' ? undefined : admission.resolution.tenantId;
    const reason = admissionReason(admission.resolution);
    metrics.record('admitted', reason, admission.tier);
    logger.info('sign-up admitted', { outcome: 'admitted', reason, tenantId, tier: admission.tier });
    // Set explicitly: nothing is auto-confirmed or auto-verified unless configured.
    event.response = {
      ...event.response,
      autoConfirmUser: admission.autoConfirmUser,
      autoVerifyEmail: admission.autoVerifyEmail,
      autoVerifyPhone: false,
    };
    return event;
  } catch (error) {
    throw userSafeError(error, logger, metrics);
  }
}
