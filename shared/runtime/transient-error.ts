import { isThrottlingError, isTransientError } from '@smithy/core/retry';

/**
 * Whether an AWS SDK error is worth retrying later rather than a bug: throttling (429, throughput exceeded,
 * SlowDown), a 500/502/503/504 answer, a timeout or a refused/reset connection. The classification is the
 * SDK's own retry classification, applied after the SDK has already spent its retry attempts. A programming
 * error (validation, a failed condition, access denied, a missing table) is not transient.
 */
export function isTransientServiceError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // Only optional fields are read (`$metadata`, `$retryable`, `code`, `cause`); any Error is safe to classify.
  const sdkError = error as Parameters<typeof isTransientError>[0];
  return isThrottlingError(sdkError) || isTransientError(sdkError);
}
