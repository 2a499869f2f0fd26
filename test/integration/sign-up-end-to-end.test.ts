import {
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  type CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CognitoLocal, localCognitoClient, startCognitoLocal } from '../../local/cognito-local';
import type { TenantAdmin } from '../../shared/registry/tenant-admin';
import { type LambdaInvokeServer, startLambdaInvokeServer } from '../support/lambda-invoke-server';
import { createTestRegistry } from '../support/registry';
import { importSeedTenants, loadTrigger, poolState } from '../support/sign-up';

const CODE = '246810';
const PASSWORD = 'correct horse battery';
// serverless-offline's naming, `<service>-<stage>-<function>`, so the same cognito-local config serves both.
const PRE_SIGN_UP = 'cognito-tenancy-local-preSignUp';
const POST_CONFIRMATION = 'cognito-tenancy-local-postConfirmation';

describe('sign-up through cognito-local invoking the triggers (end to end)', () => {
  let registry: TenantAdmin;
  let lambda: LambdaInvokeServer;
  let cognito: CognitoLocal;
  let client: CognitoIdentityProviderClient;

  beforeAll(async () => {
    const test = await createTestRegistry();
    registry = test.registry;
    await importSeedTenants(test);
    // cognito-local needs the Lambda endpoint before it starts, and the handlers need its endpoint: the
    // handlers are looked up lazily, after both are up.
    const handlers: Record<string, (event: never) => Promise<unknown>> = {};
    lambda = await startLambdaInvokeServer({
      [PRE_SIGN_UP]: (event) => (handlers[PRE_SIGN_UP] ?? missing)(event),
      [POST_CONFIRMATION]: (event) => (handlers[POST_CONFIRMATION] ?? missing)(event),
    });
    cognito = await startCognitoLocal({
      lambdaEndpoint: lambda.endpoint,
      triggerFunctions: { PreSignUp: PRE_SIGN_UP, PostConfirmation: POST_CONFIRMATION },
      code: CODE,
    });
    client = localCognitoClient(cognito.endpoint);
    const env = {
      TENANCY_TABLE_NAME: test.tableName,
      AWS_ENDPOINT_URL_DYNAMODB: test.endpoint,
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.endpoint,
    };
    handlers[PRE_SIGN_UP] = (await loadTrigger(() => import('../../functions/pre-sign-up'), env)).module.handler;
    handlers[POST_CONFIRMATION] = (
      await loadTrigger(() => import('../../functions/post-confirmation'), env)
    ).module.handler;
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    client?.destroy();
    await cognito?.stop();
    await lambda?.stop();
  });

  async function missing(): Promise<never> {
    throw new Error('handler not loaded');
  }

  const signUp = (email: string) =>
    client.send(
      new SignUpCommand({
        ClientId: cognito.clientId,
        Username: email,
        Password: PASSWORD,
        UserAttributes: [{ Name: 'email', Value: email }],
      }),
    );
  const confirm = (email: string) =>
    client.send(new ConfirmSignUpCommand({ ClientId: cognito.clientId, Username: email, ConfirmationCode: CODE }));
  // Cognito marks the e-mail verified when the confirmation code went to it; cognito-local does not, so the
  // test does what Cognito would do, with the admin API, before confirming.
  const verifyEmail = (email: string) =>
    client.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: cognito.userPoolId,
        Username: email,
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'email_verified', Value: 'true' },
        ],
      }),
    );

  it('assigns a user who signs up with an e-mail at a claimed domain: custom:tenantId, no Cognito group, one membership', async () => {
    // Prepare
    const email = 'jane.doe@acme.example';
    const invokedBefore = lambda.invocations.length;

    // Act
    const { UserSub: sub } = await signUp(email);
    await verifyEmail(email);
    await confirm(email);

    // Assess
    expect(lambda.invocations.slice(invokedBefore)).toEqual([PRE_SIGN_UP, POST_CONFIRMATION]);
    expect(await poolState(client, cognito.userPoolId, sub ?? '')).toEqual({
      tenantId: 'acme',
      groups: [],
    });
    expect((await registry.listMembers('acme')).filter((member) => member.sub === sub)).toEqual([
      expect.objectContaining({ source: 'domain', role: 'tenant-member' }),
    ]);
  });

  it('refuses a sign-up into a suspended tenant before the user exists', async () => {
    // Prepare
    const email = 'milton@initech.example';

    // Act
    const run = signUp(email);

    // Assess
    await expect(run).rejects.toThrow(`${PRE_SIGN_UP} failed with error Your organization is not active.`);
    await expect(
      client.send(new AdminGetUserCommand({ UserPoolId: cognito.userPoolId, Username: email })),
    ).rejects.toMatchObject({ name: 'UserNotFoundException' });
  });

  it('leaves nothing half-written when post confirmation refuses an unverified e-mail', async () => {
    // Prepare: admitted at pre sign-up by domain, but the e-mail never gets verified
    const email = 'unverified@acme.example';
    const { UserSub: sub } = await signUp(email);

    // Act: cognito-local swallows post confirmation errors, so the confirmation itself succeeds
    await confirm(email);

    // Assess
    expect(await poolState(client, cognito.userPoolId, sub ?? '')).toEqual({ tenantId: undefined, groups: [] });
    expect(await registry.getUserTenantId(sub ?? '')).toBeUndefined();
  });
});
