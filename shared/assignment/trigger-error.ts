import type { Logger } from '@aws-lambda-powertools/logger';
import { type DecisionMetrics, NO_METRICS } from '../runtime/decision-metrics';
import { TenancyError } from '../runtime/errors';
import { reasonOf, refusalOutcome, tierOf } from '../runtime/reason-codes';

/**
 * Records why a sign-up trigger failed (one decision log line and one `Decisions` metric, with the reason
 * code) and returns the error to throw instead: Cognito shows a trigger's error message to the end user, so
 * only the error's `userMessage` (or a generic line) leaves the function. The log line names the reason code,
 * the error class and the developer message, which carry ids but no e-mail or token. Refusals (no tenant,
 * inactive tenant, no seat…) are warnings; faults are errors.
 */
export function userSafeError(
  error: unknown,
  logger: Pick<Logger, 'warn' | 'error'>,
  metrics: Pick<DecisionMetrics, 'record'> = NO_METRICS,
): Error {
  const reason = reasonOf(error);
  const outcome = refusalOutcome(reason);
  metrics.record(outcome, reason, tierOf(error));
  if (error instanceof TenancyError) {
    (outcome === 'refused' ? logger.warn : logger.error).call(logger, 'sign-up refused', {
      outcome,
      reason,
      error: error.name,
      detail: error.message,
    });
    return new Error(error.userMessage);
  }
  logger.error('sign-up trigger failed', { outcome, reason, error: error instanceof Error ? error.name : 'unknown' });
  return new Error('The service is temporarily unavailable. Please try again.');
}
