import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/dynamodb-local';
import { DirectoryAdmin } from '../shared/cognito/directory-admin';
import type { Env } from '../shared/runtime/settings';

/** The user pool directory the CLI talks to, and how to let go of it. */
export interface DirectoryTarget {
  readonly directory: DirectoryAdmin;
  /** The raw client, for read-only audits (`doctor`). */
  readonly client: CognitoIdentityProviderClient;
  close(): void;
}

// An operator command may wait longer than a trigger, but still never hangs.
const CLI_LIMITS = { maxAttempts: 4, connectionTimeoutMs: 3000, requestTimeoutMs: 10_000 };

/**
 * The Cognito user pool API: a local endpoint (`AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`, e.g. cognito-local,
 * with the local stack's fixed credentials), else the region and credentials of the AWS configuration.
 */
export function openDirectory(env: Env): DirectoryTarget {
  const endpoint = env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER;
  const local = endpoint !== undefined && endpoint !== '';
  const client = new CognitoIdentityProviderClient({
    ...(local ? { endpoint, region: env.AWS_REGION ?? LOCAL_REGION, credentials: LOCAL_CREDENTIALS } : {}),
    maxAttempts: CLI_LIMITS.maxAttempts,
    requestHandler: { connectionTimeout: CLI_LIMITS.connectionTimeoutMs, requestTimeout: CLI_LIMITS.requestTimeoutMs },
  });
  return { directory: new DirectoryAdmin(client), client, close: () => client.destroy() };
}
