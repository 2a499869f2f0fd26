import type { Logger } from '@aws-lambda-powertools/logger';
import { NoTenantForUserError, SeatLimitError, TenancyError, TenantInactiveError } from '../runtime/errors';

/** Whether a sign-up failed because of the tenant's state (expected, logged as a warning), not a fault. */
function isRefusal(error: TenancyError): boolean {
  return (
    error instanceof NoTenantForUserError || error instanceof TenantInactiveError || error instanceof SeatLimitError
  );
}

/**
 * Logs why a sign-up trigger failed and returns the error to throw instead: Cognito shows a trigger's error
 * message to the end user, so only the error's `userMessage` (or a generic line) leaves the function. The log
 * line names the error class and the developer message, which carry ids and reasons but no e-mail or token.
 * Refusals (no tenant, inactive tenant, no seat) are warnings; anything else is an error.
 */
export function userSafeError(error: unknown, logger: Pick<Logger, 'warn' | 'error'>): Error {
  if (error instanceof TenancyError) {
    (isRefusal(error) ? logger.warn : logger.error).call(logger, 'sign-up refused', {
      error: error.name,
      reason: error.message,
    });
    return new Error(error.userMessage);
  }
  logger.error('sign-up trigger failed', { error: error instanceof Error ? error.name : 'unknown' });
  return new Error('The service is temporarily unavailable. Please try again.');
}
