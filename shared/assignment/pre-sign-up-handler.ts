import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { RegistryReader } from '../registry/registry-reader';
import { triggerBudget, withDeadline } from '../runtime/deadline';
import { type DecisionLine, type DecisionMetrics, loggedDecisions } from '../runtime/decision-metrics';
import { InvalidInputError } from '../runtime/errors';
import type { HandlerLogger } from '../runtime/handler-logger';
import { triggerRefusal } from '../runtime/trigger-refusal';
import type { AssignmentConfig } from './assignment-config';
import { type NewUser, newUserFromTrigger } from './new-user';
import { admitSignUp } from './sign-up-gate';
import { admissionReason } from './tenant-resolution';

/** Dependencies of the pre sign-up trigger; `functions/pre-sign-up.ts` builds them at cold start. */
export interface PreSignUpDeps {
  /** The registry's client (bounded, traced in production); the trigger only reads. */
  readonly dynamodb: DynamoDBClient;
  readonly config: AssignmentConfig;
  readonly logger: HandlerLogger;
  /**
   * Counts each decision (docs/observability.md "Metrics") and writes its log line, in one line; without it
   * nothing is counted and the line goes to `logger`.
   */
  readonly metrics?: Pick<DecisionMetrics, 'record'>;
}

/** The part of the pre sign-up event the trigger writes. */
export interface PreSignUpEvent {
  response?: { autoConfirmUser?: boolean; autoVerifyEmail?: boolean; autoVerifyPhone?: boolean };
}

/** A pre sign-up handler: the event back with its `response` set, or a throw whose message the user sees. */
export type PreSignUpHandler = <E extends PreSignUpEvent>(
  event: E,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<E>;

/**
 * Creates the pre sign-up trigger: refuses sign-ups that no active tenant with a free seat would take, before
 * Cognito creates the user. Read-only; the assignment happens at post confirmation. Pre sign-up runs on
 * addresses nobody has verified yet, so its refusals go to the decision log and the metric, never into a
 * tenant's audit trail (anyone could fill it); post confirmation records them.
 */
export function createPreSignUpHandler(deps: PreSignUpDeps): PreSignUpHandler {
  const { config, logger } = deps;
  const metrics = deps.metrics ?? loggedDecisions(logger);
  // Reads only (GetItem): the registry's writes stay out of this bundle.
  const registry = new RegistryReader({ client: deps.dynamodb, tableName: config.tableName });
  const refuse = (error: unknown) => triggerRefusal(error, { logger, metrics, subject: 'sign-up' });

  return async (event, context) => {
    logger.resetKeys();
    let user: NewUser;
    try {
      user = newUserFromTrigger(event);
    } catch (error) {
      throw refuse(error);
    }
    logger.appendKeys({ triggerSource: user.triggerSource });
    // Invitations are made by operators through the tenants CLI, which records the membership itself.
    if (user.triggerSource === 'PreSignUp_AdminCreateUser') {
      metrics.record('admitted', 'invitation', undefined, ADMITTED);
      return event;
    }
    if (user.triggerSource !== 'PreSignUp_SignUp' && user.triggerSource !== 'PreSignUp_ExternalProvider') {
      throw refuse(new InvalidInputError(`unexpected trigger source ${user.triggerSource}`, 'triggerSource'));
    }
    const budget = triggerBudget(config.budgetMs, context);
    try {
      const admission = await withDeadline('pre sign-up', budget, admitSignUp(registry, config, user));
      const tenantId = admission.resolution.kind === 'self-service' ? undefined : admission.resolution.tenantId;
      const reason = admissionReason(admission.resolution);
      // One line: the count and the log.
      metrics.record('admitted', reason, admission.tier, { ...ADMITTED, fields: { tenantId } });
      // Set explicitly: nothing is auto-confirmed or auto-verified unless configured.
      event.response = {
        ...event.response,
        autoConfirmUser: admission.autoConfirmUser,
        autoVerifyEmail: admission.autoVerifyEmail,
        autoVerifyPhone: false,
      };
      return event;
    } catch (error) {
      throw refuse(error);
    }
  };
}

/** The log half of an admission's decision line. */
const ADMITTED: DecisionLine = { level: 'INFO', message: 'sign-up admitted' };
