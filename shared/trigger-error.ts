import type { Logger } from '@aws-lambda-powertools/logger';
import { TenancyError } from './errors';

/**
 * Logs why a sign-up trigger failed and returns the error to throw instead: Cognito shows a trigger's error
 * message to the end user, so only the error's `userMessage` (or a generic line) leaves the function. The log
 * line names the error class and the developer message, which carry ids and reasons but no e-mail or token.
 */
export function userSafeError(error: unknown, logger: Pick<Logger, 'warn' | 'error'>, refusal: boolean): Error {
  if (error instanceof TenancyError) {
    (refusal ? logger.warn : logger.error).call(logger, 'sign-up refused', {
      error: error.name,
      reason: error.message,
    });
    return new Error(error.userMessage);
  }
  logger.error('sign-up trigger failed', { error: error instanceof Error ? error.name : 'unknown' });
  return new Error('The service is temporarily unavailable. Please try again.');
}
