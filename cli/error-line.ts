/**
 * The one line the CLI prints for a failure. Missing AWS configuration is named, with what to set, instead of
 * the SDK's own words ("Could not load credentials from any providers", "Region is missing") or a bare
 * "user pool unavailable during …": `targets` are the registry and pool the command was about to use.
 */
export function errorLine(error: unknown, targets: readonly (string | undefined)[]): string {
  const chain = causes(error);
  const named = targets.filter((target) => target !== undefined).join(' and ') || 'AWS';
  if (chain.some((entry) => entry.name === 'CredentialsProviderError' || /load credentials/i.test(entry.message))) {
    return (
      `no AWS credentials for ${named}: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY ` +
      '(a local stack: AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER)'
    );
  }
  if (chain.some((entry) => /region is missing/i.test(entry.message))) {
    return `no AWS region for ${named}: pass --region or set AWS_REGION`;
  }
  const message = error instanceof Error ? error.message : String(error);
  const cause = chain[1];
  // "user pool unavailable during describeUserPool" alone does not say why.
  return cause !== undefined && /unavailable/.test(message) ? `${message}: ${cause.name}: ${cause.message}` : message;
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
