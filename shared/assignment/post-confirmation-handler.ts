import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { TenantDirectory } from '../cognito/tenant-directory';
import { TenantRegistry } from '../registry/tenant-registry';
import { triggerBudget, withDeadline } from '../runtime/deadline';
import { type DecisionMetrics, loggedDecisions } from '../runtime/decision-metrics';
import { InvalidInputError } from '../runtime/errors';
import type { HandlerLogger } from '../runtime/handler-logger';
import { triggerRefusal } from '../runtime/trigger-refusal';
import type { AssignmentConfig } from './assignment-config';
import { type NewUser, newUserFromTrigger } from './new-user';
import { recordRefusal } from './refusal-record';
import { assignTenant } from './tenant-assignment';

/** Dependencies of the post confirmation trigger; `functions/post-confirmation.ts` builds them at cold start. */
export interface PostConfirmationDeps {
  /** The registry's client (bounded, traced in production). */
  readonly dynamodb: DynamoDBClient;
  /** The user pool's client (bounded, traced in production): `custom:tenantId` and the role group. */
  readonly cognito: CognitoIdentityProviderClient;
  readonly config: AssignmentConfig;
  readonly logger: HandlerLogger;
  /** Counts each decision (docs/observability.md "Metrics"); nothing is counted without it. */
  readonly metrics?: Pick<DecisionMetrics, 'record'>;
  /** Clock in milliseconds: the trigger's time budget and the audit items' time; replaceable in tests. */
  readonly now?: () => number;
}

/** The Lambda context the trigger reads: time left, and the request id its audit items carry. */
export type PostConfirmationContext = Pick<Context, 'getRemainingTimeInMillis'> &
  Partial<Pick<Context, 'awsRequestId'>>;

/** A post confirmation handler: the event back, or a throw whose message the user sees. */
export type PostConfirmationHandler = <E>(event: E, context?: PostConfirmationContext) => Promise<E>;

/**
 * Creates the post confirmation trigger: assigns a newly confirmed user to exactly one tenant (registry first,
 * then `custom:tenantId` and the role group; `assignTenant`). A refusal by a known tenant is recorded in its
 * audit trail within what is left of the budget: the user must get the refusal, not Cognito's timeout.
 */
export function createPostConfirmationHandler(deps: PostConfirmationDeps): PostConfirmationHandler {
  const { config, logger } = deps;
  const metrics = deps.metrics ?? loggedDecisions(logger);
  const now = deps.now ?? Date.now;
  // The Lambda request being served (one at a time per container), for audit items.
  let requestId = '';
  const registry = new TenantRegistry({
    client: deps.dynamodb,
    tableName: config.tableName,
    tiers: config.tiers,
    adminRole: config.adminRole,
    now: () => new Date(now()),
    // Audit items name this trigger and the Lambda request that wrote them (docs/observability.md "Audit trail").
    audit: { actor: 'trigger:post-confirmation', retentionDays: config.auditRetentionDays, requestId: () => requestId },
  });
  const directory = new TenantDirectory(deps.cognito);
  const refuse = (error: unknown) => triggerRefusal(error, { logger, metrics, subject: 'sign-up' });

  return async (event, context) => {
    logger.resetKeys();
    requestId = context?.awsRequestId ?? '';
    let user: NewUser;
    try {
      user = newUserFromTrigger(event);
    } catch (error) {
      throw refuse(error);
    }
    logger.appendKeys({ triggerSource: user.triggerSource, sub: user.sub });
    // A password reset confirms nothing about tenancy: never (re)assign on it.
    if (user.triggerSource === 'PostConfirmation_ConfirmForgotPassword') return event;
    if (user.triggerSource !== 'PostConfirmation_ConfirmSignUp') {
      throw refuse(new InvalidInputError(`unexpected trigger source ${user.triggerSource}`, 'triggerSource'));
    }
    const budget = triggerBudget(config.budgetMs, context);
    const started = now();
    try {
      await withDeadline(
        'post confirmation',
        budget,
        assignTenant({ registry, directory, config, logger, metrics }, user),
      );
      return event;
    } catch (error) {
      const left = Math.max(0, budget - (now() - started));
      await withDeadline('audit refusal', left, recordRefusal(registry, error, user, logger)).catch(() =>
        logger.warn('sign-up refusal not recorded in the audit trail', { error: 'DeadlineExceededError' }),
      );
      throw refuse(error);
    }
  };
}
