import type { Logger } from '@aws-lambda-powertools/logger';
import { type DecisionMetrics, NO_METRICS } from './decision-metrics';
import { TenancyError } from './errors';
import { reasonOf, refusalOutcome, tierOf } from './reason-codes';

/** What every Cognito trigger needs to refuse: where the decision log line and the `Decisions` metric go. */
export interface TriggerRefusalOptions {
  readonly logger: Pick<Logger, 'warn' | 'error'>;
  readonly metrics?: Pick<DecisionMetrics, 'record'>;
  /** What was refused, first word of the log line: `sign-up`, `token`. */
  readonly subject: string;
  /**
   * A log line that replaces the standard one for errors that need an operator's explanation (pre token
   * generation's unbacked `custom:tenantId`); `undefined` keeps the standard line.
   */
  readonly explain?: (error: unknown) => { message: string; fields: Record<string, unknown> } | undefined;
}

/** Shown to the end user for any failure that is not one of this suite's errors (a bug, an SDK fault). */
const UNAVAILABLE_MESSAGE = 'The service is temporarily unavailable. Please try again.';

/**
 * The one refusal mapper of the Cognito triggers (pre sign-up, post confirmation, pre token generation):
 * records why the trigger refused (one decision log line and one `Decisions` metric with the reason code) and
 * returns the error to throw instead. Cognito shows a trigger's error message to the end user, so only the
 * error's `userMessage` (or a generic line) leaves the function; the original error is the `cause`.
 *
 * The log line names the reason code, the error class and, for this suite's errors, the developer message
 * (ids, never an e-mail or a token). The text of any other error is never logged: it may quote an event value.
 * Refusals (no tenant, inactive tenant, no seat…) are warnings; faults are errors.
 */
export function triggerRefusal(error: unknown, options: TriggerRefusalOptions): TenancyError {
  const { logger, subject } = options;
  const reason = reasonOf(error);
  const outcome = refusalOutcome(reason);
  (options.metrics ?? NO_METRICS).record(outcome, reason, tierOf(error));
  const explained = options.explain?.(error);
  if (explained !== undefined) {
    logger.error(explained.message, { outcome, reason, ...explained.fields });
  } else if (error instanceof TenancyError) {
    (outcome === 'refused' ? logger.warn : logger.error).call(logger, `${subject} refused`, {
      outcome,
      reason,
      error: error.name,
      detail: error.message,
    });
  } else {
    logger.error(`${subject} trigger failed`, {
      outcome,
      reason,
      error: error instanceof Error ? error.name : 'unknown',
    });
  }
  const userMessage = error instanceof TenancyError ? error.userMessage : UNAVAILABLE_MESSAGE;
  return new TenancyError(userMessage, { cause: error, userMessage });
}
