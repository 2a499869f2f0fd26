import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { type ClientLimits, TRIGGER_CLIENT_LIMITS } from './dynamodb-client';

/**
 * A Cognito user pool client with explicit timeouts and retries, so a trigger never waits on a hung call.
 * The endpoint comes from the standard SDK configuration (`AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER` for
 * the local stack), so handlers have no test-only paths.
 */
export function createCognitoClient(limits: ClientLimits = TRIGGER_CLIENT_LIMITS): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    maxAttempts: limits.maxAttempts,
    requestHandler: { connectionTimeout: limits.connectionTimeoutMs, requestTimeout: limits.requestTimeoutMs },
  });
}
