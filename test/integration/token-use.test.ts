import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PolicyResponse, SimpleResponse } from '../../functions/authorizer';
import { type CognitoLocal, localCognitoClient, startCognitoLocal } from '../../local/cognito-local';
import { decodeClaims } from '../../local/lifecycle';
import { schemaValidator } from '../support/claims-schemas';
import { coldStart } from '../support/cold-start';
import { loadEvent } from '../support/events';
import { type LambdaInvokeServer, startLambdaInvokeServer } from '../support/lambda-invoke-server';
import { createSignInUser, setPreTokenGenerationVersion, signInTokens } from '../support/pool-tokens';
import { createTestRegistry } from '../support/registry';
import { loadTrigger, type PoolUser } from '../support/sign-up';

type Authorizer = (event: unknown) => Promise<PolicyResponse | SimpleResponse>;

const PRE_TOKEN = 'cognito-tenancy-local-preTokenGeneration';
const PASSWORD = 'correct horse battery';
const METHOD_ARN = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/tenants/acme/me';

// The suite's own pre token generation trigger, run by cognito-local, and its authorizer checking the tokens
// cognito-local mints: access tokens with a V2_0 pool (as deployed and as the local stack runs), ID tokens with
// a V1_0 pool and an authorizer configured with tokenUse=id (the path a deployment choosing ID tokens takes).
describe('tokens minted by cognito-local with the suite trigger, checked by the authorizer per token use', () => {
  let lambda: LambdaInvokeServer;
  let cognito: CognitoLocal;
  let client: CognitoIdentityProviderClient;
  let user: PoolUser;
  let preToken: ((event: never) => Promise<unknown>) | undefined;
  let accessAuthorizer: Authorizer;
  let idAuthorizer: Authorizer;

  beforeAll(async () => {
    const test = await createTestRegistry();
    await test.registry.createTenant({ tenantId: 'acme', name: 'Acme', tier: 'standard' });
    lambda = await startLambdaInvokeServer({
      [PRE_TOKEN]: (event) => {
        if (preToken === undefined) throw new Error('handler not loaded');
        return preToken(event);
      },
    });
    cognito = await startCognitoLocal({
      lambdaEndpoint: lambda.endpoint,
      triggerFunctions: { PreTokenGeneration: PRE_TOKEN },
    });
    client = localCognitoClient(cognito.endpoint);
    user = await createSignInUser(client, cognito.userPoolId, 'acme.example', PASSWORD, {
      attributes: { 'custom:tenantId': 'acme' },
      groups: ['tenant-member'],
    });
    await test.registry.addMember({ tenantId: 'acme', sub: user.sub, role: 'tenant-member', source: 'domain' });

    // Each handler reads its settings at cold start; the trigger is loaded last, so its settings stay in place.
    const authorizer = async (tokenUse: 'access' | 'id') =>
      (
        await coldStart(() => import('../../functions/authorizer'), {
          TENANCY_USER_POOL_IDS: cognito.userPoolId,
          TENANCY_CLIENT_IDS: cognito.clientId,
          TENANCY_TOKEN_USE: tokenUse,
          TENANCY_JWKS_URI: cognito.jwksUri,
          // The authorizer's tenant check reads acme from the same registry.
          TENANCY_TABLE_NAME: test.tableName,
          AWS_ENDPOINT_URL_DYNAMODB: test.endpoint,
        })
      ).handler;
    accessAuthorizer = await authorizer('access');
    idAuthorizer = await authorizer('id');
    preToken = (
      await loadTrigger(() => import('../../functions/pre-token-generation'), {
        TENANCY_TABLE_NAME: test.tableName,
        AWS_ENDPOINT_URL_DYNAMODB: test.endpoint,
      })
    ).module.handler as (event: never) => Promise<unknown>;
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    client?.destroy();
    await cognito?.stop();
    await lambda?.stop();
  });

  /** The schema errors of a token's claims against the kind's version 1 schema (none when it validates). */
  function validation(kind: 'access-token-claims' | 'id-token-claims', token: string) {
    const validate = schemaValidator(kind, 1);
    return validate(decodeClaims(token)) ? [] : (validate.errors ?? ['invalid']);
  }

  const signIn = () => signInTokens(client, cognito.clientId, user.email, PASSWORD);
  const setVersion = (version: 'V1_0' | 'V2_0') =>
    setPreTokenGenerationVersion(client, cognito.userPoolId, PRE_TOKEN, version);

  /** What the authorizer answered for a REST TOKEN request to the user's own tenant: its verdict and context. */
  async function authorize(authorizer: Authorizer, token: string) {
    const event = loadEvent<{ authorizationToken: string; methodArn: string }>('authorizer/rest-token.json');
    event.authorizationToken = `Bearer ${token}`;
    event.methodArn = METHOD_ARN;
    try {
      const answer = (await authorizer(event)) as PolicyResponse;
      return { effect: answer.policyDocument.Statement[0]?.Effect, context: answer.context };
    } catch (error) {
      return { effect: (error as Error).message, context: undefined };
    }
  }

  it('at V2_0, puts tenantId, tier and groups in the access token, which the access-token authorizer allows', async () => {
    // Prepare
    await setVersion('V2_0');

    // Act
    const tokens = await signIn();
    const withAccess = await authorize(accessAuthorizer, tokens.access);
    const withId = await authorize(accessAuthorizer, tokens.id);

    // Assess
    expect(decodeClaims(tokens.access)).toMatchObject({
      tenantId: 'acme',
      tier: 'standard',
      'tenancy:v': 1,
      'cognito:groups': ['tenant-member'],
    });
    // Real tokens, as cognito-local mints them, follow the published schemas (packages/tenant-context/schemas).
    expect(validation('access-token-claims', tokens.access)).toEqual([]);
    expect(validation('id-token-claims', tokens.id)).toEqual([]);
    expect(withAccess).toEqual({
      effect: 'Allow',
      context: { tenantId: 'acme', tier: 'standard', groups: 'tenant-member', sub: user.sub, claimsVersion: '1' },
    });
    expect(withId.effect).toBe('Unauthorized');
  });

  it('at V1_0, puts the tenant claims in the ID token only, which an authorizer configured for ID tokens allows', async () => {
    // Prepare
    await setVersion('V1_0');

    // Act
    const tokens = await signIn();
    const withId = await authorize(idAuthorizer, tokens.id);
    const withAccess = await authorize(idAuthorizer, tokens.access);

    // Assess
    expect(decodeClaims(tokens.id)).toMatchObject({ tenantId: 'acme', tier: 'standard', 'tenancy:v': '1' });
    expect(validation('id-token-claims', tokens.id)).toEqual([]);
    expect(decodeClaims(tokens.access)).not.toHaveProperty('tenantId');
    expect(withId).toEqual({
      effect: 'Allow',
      context: { tenantId: 'acme', tier: 'standard', groups: 'tenant-member', sub: user.sub, claimsVersion: '1' },
    });
    expect(withAccess.effect).toBe('Unauthorized');
  });
});
