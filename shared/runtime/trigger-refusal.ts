import type { DecisionLine, DecisionMetrics } from './decision-metrics';
import { TenancyError } from './errors';
import type { HandlerLogger } from './handler-logger';
import { reasonOf, refusalOutcome, tierOf } from './reason-codes';

/** What every Cognito trigger needs to refuse: where the decision log line and the `Decisions` metric go. */
export interface TriggerRefusalOptions {
  readonly logger: Pick<HandlerLogger, 'warn' | 'error'>;
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
 * records why the trigger refused (one line that is both the decision log line and the `Decisions` metric with
 * the reason code; the log line alone through `logger` when no metrics are given) and
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
  const explained = options.explain?.(error);
  let line: DecisionLine;
  if (explained !== undefined) {
    line = { level: 'ERROR', message: explained.message, fields: explained.fields };
  } else if (error instanceof TenancyError) {
    line = {
      level: outcome === 'refused' ? 'WARN' : 'ERROR',
      message: `${subject} refused`,
      fields: { error: error.name, detail: error.message },
    };
  } else {
    line = {
      level: 'ERROR',
      message: `${subject} trigger failed`,
      fields: { error: error instanceof Error ? error.name : 'unknown' },
    };
  }
  const tier = tierOf(error);
  if (options.metrics !== undefined) {
    // One line: the count and the log (with the keys the trigger appended to its logger).
    options.metrics.record(outcome, reason, tier, line);
  } else {
    (line.level === 'WARN' ? logger.warn : logger.error).call(logger, line.message, {
      outcome,
      reason,
      ...(tier === undefined ? {} : { tier }),
      ...line.fields,
    });
  }
  const userMessage = error instanceof TenancyError ? error.userMessage : UNAVAILABLE_MESSAGE;
  return new TenancyError(userMessage, { cause: error, userMessage });
}
