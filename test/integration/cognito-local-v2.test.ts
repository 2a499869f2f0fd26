import { type CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CognitoLocal, localCognitoClient, startCognitoLocal } from '../../local/cognito-local';
import { decodeClaims } from '../../local/lifecycle';
import { type LambdaInvokeServer, startLambdaInvokeServer } from '../support/lambda-invoke-server';
import { createSignInUser, setPreTokenGenerationVersion, signInTokens } from '../support/pool-tokens';

const TRIGGER = 'cognito-local-v2-trigger';
const PASSWORD = 'correct horse battery';

interface CapturedEvent {
  version: string;
  triggerSource: string;
  request: {
    userAttributes: Record<string, string>;
    groupConfiguration: Record<string, unknown>;
    scopes?: string[];
    clientMetadata?: Record<string, string>;
  };
  response: Record<string, unknown>;
}

// The repository's patch of cognito-local (patches/cognito-local+5.3.0.patch), tested as upstream would test it:
// a pool whose PreTokenGenerationConfig says V2_0, a tiny trigger answering whatever the test sets, and tokens
// minted by InitiateAuth. Without the patch, cognito-local sends the version "0" event and applies only the
// ID-token part of a V1 response, so every V2_0 test here fails.
describe('cognito-local with pre token generation at V2_0 (patched)', () => {
  let lambda: LambdaInvokeServer;
  let cognito: CognitoLocal;
  let client: CognitoIdentityProviderClient;
  let events: CapturedEvent[];
  let answer: (event: CapturedEvent) => unknown;

  beforeAll(async () => {
    lambda = await startLambdaInvokeServer({
      [TRIGGER]: async (event: never) => {
        const captured = event as CapturedEvent;
        events.push(structuredClone(captured));
        return { ...captured, response: answer(captured) };
      },
    });
    cognito = await startCognitoLocal({
      lambdaEndpoint: lambda.endpoint,
      triggerFunctions: { PreTokenGeneration: TRIGGER },
      preTokenGenerationVersion: 'V2_0',
    });
    client = localCognitoClient(cognito.endpoint);
  });

  afterAll(async () => {
    client?.destroy();
    await cognito?.stop();
    await lambda?.stop();
  });

  beforeEach(() => {
    events = [];
    answer = () => ({ claimsAndScopeOverrideDetails: null });
  });

  const member = (groups: readonly string[] = []) =>
    createSignInUser(client, cognito.userPoolId, 'v2.example', PASSWORD, { groups });

  async function signIn(email: string) {
    const tokens = await signInTokens(client, cognito.clientId, email, PASSWORD);
    return { access: decodeClaims(tokens.access), id: decodeClaims(tokens.id), refreshToken: tokens.refresh };
  }

  const setVersion = (version: 'V1_0' | 'V2_0') =>
    setPreTokenGenerationVersion(client, cognito.userPoolId, TRIGGER, version);

  it('sends the version "2" event with the user\'s groups, the scopes and an empty response', async () => {
    // Prepare
    const user = await member(['tenant-admin']);

    // Act
    await signIn(user.email);

    // Assess
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      version: '2',
      triggerSource: 'TokenGeneration_Authentication',
      userPoolId: cognito.userPoolId,
      userName: user.username,
      callerContext: { clientId: cognito.clientId },
      request: {
        userAttributes: { sub: user.sub, email: user.email },
        groupConfiguration: { groupsToOverride: ['tenant-admin'], iamRolesToOverride: [], preferredRole: null },
        scopes: ['aws.cognito.signin.user.admin'],
      },
      response: { claimsAndScopeOverrideDetails: null },
    });
  });

  it('adds claims to the access token and the ID token separately, keeping non-string values', async () => {
    // Prepare
    const user = await member();
    answer = () => ({
      claimsAndScopeOverrideDetails: {
        accessTokenGeneration: { claimsToAddOrOverride: { tenantId: 'acme', seats: 5, features: ['a', 'b'] } },
        idTokenGeneration: { claimsToAddOrOverride: { tenantId: 'acme', profile: { tier: 'standard' } } },
      },
    });

    // Act
    const tokens = await signIn(user.email);

    // Assess
    expect(tokens.access).toMatchObject({ tenantId: 'acme', seats: 5, features: ['a', 'b'], token_use: 'access' });
    expect(tokens.access).not.toHaveProperty('profile');
    expect(tokens.id).toMatchObject({ tenantId: 'acme', profile: { tier: 'standard' }, token_use: 'id' });
    expect(tokens.id).not.toHaveProperty('seats');
  });

  it('removes suppressed claims from each token, and suppressing wins over overriding the same claim', async () => {
    // Prepare
    const user = await member();
    answer = () => ({
      claimsAndScopeOverrideDetails: {
        accessTokenGeneration: { claimsToAddOrOverride: { tenantId: 'acme' }, claimsToSuppress: ['tenantId'] },
        idTokenGeneration: { claimsToSuppress: ['email', 'email_verified'] },
      },
    });

    // Act
    const tokens = await signIn(user.email);

    // Assess
    expect(tokens.access).not.toHaveProperty('tenantId');
    expect(tokens.id).not.toHaveProperty('email');
    expect(tokens.id).not.toHaveProperty('email_verified');
    expect(tokens.id.sub).toBe(user.sub);
  });

  it('never overrides or suppresses a reserved claim in either token, while applying the rest of the answer', async () => {
    // Prepare
    const user = await member(['tenant-member']);
    const reserved = [
      'sub',
      'token_use',
      'iss',
      'client_id',
      'username',
      'event_id',
      'jti',
      'version',
      'device_key',
      'cognito:username',
      'cognito:user_status',
    ];
    const forged = Object.fromEntries(reserved.map((claim) => [claim, 'forged']));
    answer = () => ({
      claimsAndScopeOverrideDetails: {
        accessTokenGeneration: {
          // tenantId is the control: the answer is applied, only its reserved parts are not.
          claimsToAddOrOverride: { ...forged, scope: 'admin', tenantId: 'acme' },
          claimsToSuppress: ['exp'],
        },
        idTokenGeneration: {
          claimsToAddOrOverride: { ...forged, tenantId: 'acme' },
          claimsToSuppress: ['aud', 'auth_time'],
        },
      },
    });

    // Act
    const tokens = await signIn(user.email);

    // Assess
    expect(tokens.access).toMatchObject({
      sub: user.sub,
      token_use: 'access',
      iss: cognito.issuer,
      client_id: cognito.clientId,
      username: user.username,
      scope: 'aws.cognito.signin.user.admin',
    });
    expect(tokens.access.exp).toEqual(expect.any(Number));
    expect(tokens.id).toMatchObject({
      sub: user.sub,
      token_use: 'id',
      iss: cognito.issuer,
      aud: cognito.clientId,
      'cognito:username': user.username,
    });
    expect(tokens.id.auth_time).toEqual(expect.any(Number));
    for (const token of [tokens.access, tokens.id]) {
      expect(Object.values(token)).not.toContain('forged');
      expect(token.tenantId).toBe('acme');
    }
  });

  it('changes cognito:groups only through the group override, never as a claim to add, override or suppress', async () => {
    // Prepare: a trigger trying to grant itself a group, and one trying to drop the user's group, by claim.
    const user = await member(['tenant-member']);
    const claims = { claimsToAddOrOverride: { 'cognito:groups': ['tenant-admin'], 'cognito:roles': ['arn'] } };
    answer = () => ({
      claimsAndScopeOverrideDetails: { accessTokenGeneration: claims, idTokenGeneration: claims },
    });
    const added = await signIn(user.email);
    const suppress = { claimsToSuppress: ['cognito:groups'] };
    answer = () => ({
      claimsAndScopeOverrideDetails: { accessTokenGeneration: suppress, idTokenGeneration: suppress },
    });

    // Act
    const suppressed = await signIn(user.email);

    // Assess
    for (const token of [added.access, added.id, suppressed.access, suppressed.id]) {
      expect(token['cognito:groups']).toEqual(['tenant-member']);
      expect(token).not.toHaveProperty('cognito:roles');
    }
  });

  it('replaces cognito:groups in both tokens with the group override, and an empty override removes them', async () => {
    // Prepare
    const user = await member(['tenant-admin', 'tenant-member']);
    answer = () => ({
      claimsAndScopeOverrideDetails: { groupOverrideDetails: { groupsToOverride: ['tenant-member'] } },
    });

    // Act
    const overridden = await signIn(user.email);
    answer = () => ({ claimsAndScopeOverrideDetails: { groupOverrideDetails: { groupsToOverride: [] } } });
    const emptied = await signIn(user.email);

    // Assess
    expect(overridden.access['cognito:groups']).toEqual(['tenant-member']);
    expect(overridden.id['cognito:groups']).toEqual(['tenant-member']);
    expect(emptied.access).not.toHaveProperty('cognito:groups');
    expect(emptied.id).not.toHaveProperty('cognito:groups');
  });

  it("adds and suppresses scopes in the access token's scope claim", async () => {
    // Prepare
    const user = await member();
    answer = () => ({
      claimsAndScopeOverrideDetails: {
        accessTokenGeneration: {
          scopesToAdd: ['documents/read', 'documents/write'],
          scopesToSuppress: ['documents/write'],
        },
      },
    });

    // Act
    const tokens = await signIn(user.email);

    // Assess
    expect(tokens.access.scope).toBe('aws.cognito.signin.user.admin documents/read');
    expect(tokens.id).not.toHaveProperty('scope');
  });

  it('runs the V2 trigger again on refresh and applies its answer to the new access token', async () => {
    // Prepare
    const user = await member();
    let tier = 'standard';
    answer = () => ({ claimsAndScopeOverrideDetails: { accessTokenGeneration: { claimsToAddOrOverride: { tier } } } });
    const first = await signIn(user.email);
    tier = 'premium';

    // Act
    const refreshed = await client.send(
      new InitiateAuthCommand({
        ClientId: cognito.clientId,
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        AuthParameters: { REFRESH_TOKEN: first.refreshToken },
      }),
    );

    // Assess
    expect(events.map((event) => `${event.version} ${event.triggerSource}`)).toEqual([
      '2 TokenGeneration_Authentication',
      '2 TokenGeneration_RefreshTokens',
    ]);
    expect(decodeClaims(refreshed.AuthenticationResult?.AccessToken ?? '').tier).toBe('premium');
  });

  it('keeps the V1 behaviour for a V1_0 pool: version "0" event, ID-token claims only', async () => {
    // Prepare
    const user = await member(['tenant-admin']);
    await setVersion('V1_0');
    answer = () => ({ claimsOverrideDetails: { claimsToAddOrOverride: { tenantId: 'acme' } } });

    // Act
    let tokens: Awaited<ReturnType<typeof signIn>>;
    try {
      tokens = await signIn(user.email);
    } finally {
      await setVersion('V2_0');
    }

    // Assess
    expect(events[0]?.version).toBe('0');
    expect(events[0]?.request.groupConfiguration).toEqual({});
    expect(events[0]?.request).not.toHaveProperty('scopes');
    expect(events[0]?.response).toEqual({ claimsOverrideDetails: {} });
    expect(tokens.id.tenantId).toBe('acme');
    expect(tokens.access).not.toHaveProperty('tenantId');
    expect(tokens.access['cognito:groups']).toEqual(['tenant-admin']);
  });
});
