/**
 * The cold-start reference of the authorizer (`npm run bench -- cold`): what any authorizer with a registry
 * check must load and do at cold start — aws-jwt-verify's Cognito verifier, a DynamoDB client, and the JWKS
 * fetch started outside the handler, as aws-jwt-verify's README advises for Lambda ("Calling this method in
 * AWS Lambda functions only makes sense if you do it outside the Lambda handler", section on `hydrate`) — and
 * nothing else. The keys come from a closed local port, never from Cognito, as in the benchmark's function.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';

const userPoolId = process.env.TENANCY_USER_POOL_IDS ?? 'us-east-1_Bench1';
const verifier = CognitoJwtVerifier.create({ userPoolId, tokenUse: 'access', clientId: 'benchclient' });
// The same verifier's work pointed at 127.0.0.1:9 (a Cognito verifier always fetches from Cognito).
const local = JwtVerifier.create({
  issuer: `https://cognito-idp.us-east-1.amazonaws.com/${userPoolId}`,
  audience: null,
  jwksUri: `https://127.0.0.1:9/${userPoolId}/.well-known/jwks.json`,
});
local.hydrate().catch(() => undefined);
const client = new DynamoDBClient({});

/** Never invoked by the bench; keeps the verifier and client alive as a handler would. */
export const handler = async () => ({ verifier: typeof verifier, client: typeof client });
