import { PolicyEngineError } from '../shared/runtime/errors';

/**
 * The one line the CLI prints for a failure. Missing AWS configuration is named, with what to set, instead of
 * the SDK's own words ("Could not load credentials from any providers", "Region is missing") or a bare
 * "user pool unavailable during …": `targets` are the registry and pool the command was about to use.
 */
export function errorLine(error: unknown, targets: readonly (string | undefined)[]): string {
  const chain = causes(error);
  // An error that names the service it came from (Verified Permissions) names it better than the command's targets.
  const own = chain.find((entry) => entry instanceof PolicyEngineError && entry.target !== undefined);
  const named =
    (own as PolicyEngineError | undefined)?.target ??
    (targets.filter((target) => target !== undefined).join(' and ') || 'AWS');
  if (isAwsCredentialsError(error)) {
    return (
      `no AWS credentials for ${named}: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY ` +
      '(a local stack: AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER)'
    );
  }
  if (isAwsRegionError(error)) {
    return `no AWS region for ${named}: pass --region or set AWS_REGION`;
  }
  const message = error instanceof Error ? error.message : String(error);
  const cause = chain[1];
  // "user pool unavailable during describeUserPool" alone does not say why.
  return cause !== undefined && /unavailable/.test(message) ? `${message}: ${cause.name}: ${cause.message}` : message;
}

/** Whether the SDK found no credentials, anywhere in the error's causes. */
function isAwsCredentialsError(error: unknown): boolean {
  return causes(error).some(
    (entry) => entry.name === 'CredentialsProviderError' || /load credentials/i.test(entry.message),
  );
}

/** Whether the SDK found no region, anywhere in the error's causes. */
function isAwsRegionError(error: unknown): boolean {
  return causes(error).some((entry) => /region is missing/i.test(entry.message));
}

/** Missing credentials or region: the AWS configuration, not the service, is at fault. */
export function isAwsConfigurationError(error: unknown): boolean {
  return isAwsCredentialsError(error) || isAwsRegionError(error);
}

/** The error and its causes, outermost first (at most 5 deep). */
function causes(error: unknown): Error[] {
  const chain: Error[] = [];
  let current = error;
  while (current instanceof Error && chain.length < 5) {
    chain.push(current);
    current = current.cause;
  }
  return chain;
}
