/**
 * The cold-start reference of the authorizer (`npm run bench -- cold`): what any authorizer with a registry
 * check must load and build — aws-jwt-verify's Cognito verifier and a DynamoDB client — and nothing else.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CognitoJwtVerifier } from 'aws-jwt-verify';

const verifier = CognitoJwtVerifier.create({
  userPoolId: process.env.TENANCY_USER_POOL_IDS ?? 'us-east-1_Bench1',
  tokenUse: 'access',
  clientId: 'benchclient',
});
const client = new DynamoDBClient({});

/** Never invoked by the bench; keeps the verifier and client alive as a handler would. */
export const handler = async () => ({ verifier: typeof verifier, client: typeof client });
