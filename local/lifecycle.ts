import {
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminUpdateUserAttributesCommand,
  type CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { localCognitoClient } from './cognito-local';
import type { LocalStack } from './stack';

/** One step of the lifecycle: what was expected and what happened. */
export interface Check {
  readonly step: string;
  readonly expected: string;
  readonly got: string;
  readonly ok: boolean;
}

export const DEMO_CODE = '135790';
export const PASSWORD = 'correct horse battery staple';

/** Options for a run of checks against the local stack (the lifecycle, the documents flow). */
export interface LifecycleOptions {
  /** Called with each check as it completes (the demo prints it). */
  readonly onCheck?: (check: Check) => void;
  /** A suffix that keeps user names unique when the lifecycle runs more than once against one stack. */
  readonly runId?: string;
}

/**
 * The tenant lifecycle against the local stack, as a platform engineer would exercise it: sign-up by e-mail
 * domain, self-service sign-up, sign-in with tenant claims in the access token, refresh, the sample API called
 * with the access token allowed / denied (403) / unauthenticated (401, also for an ID token), and a suspended
 * tenant refused at sign-in and at refresh. Every step is a check
 * comparing what the contract says with what happened; nothing is skipped when an earlier step fails.
 * Needs a stack started with `selfService: true`, `code: DEMO_CODE` and `tenantCacheSeconds: 0`: every function
 * then reads the tenant record on every request, so the suspension is seen at once and nothing waits for a cache
 * to expire (a run never sleeps).
 */
export async function runLifecycle(stack: LocalStack, options: LifecycleOptions = {}): Promise<Check[]> {
  if (stack.tenantCacheSeconds !== 0) {
    throw new Error(`runLifecycle needs a stack started with tenantCacheSeconds: 0 (got ${stack.tenantCacheSeconds})`);
  }
  return runScene(stack, options, async ({ check, cognito, run, userPoolId: poolId, clientId }) => {
    // 1. Sign-up into a tenant by e-mail domain (acme holds acme.example).
    const jane = `jane.${run}@acme.example`;
    const janeSub = await signUp(cognito, clientId, poolId, jane);
    const janeState = await userState(cognito, poolId, janeSub);
    check('sign-up by e-mail domain: custom:tenantId', 'acme', janeState.tenantId);
    check('sign-up by e-mail domain: role group', 'tenant-member', janeState.groups);
    check('sign-up by e-mail domain: membership', 'acme/tenant-member', await membership(stack, janeSub));

    // 2. Self-service sign-up: an unbound domain creates a tenant with the user as its admin.
    const founder = `founder.${run}@newco-${run}.example`;
    const founderSub = await signUp(cognito, clientId, poolId, founder);
    const founderState = await userState(cognito, poolId, founderSub);
    const founderTenant = founderState.tenantId ?? '(none)';
    check(
      'self-service sign-up: new tenant created',
      'active',
      (await stack.registry.getTenant(founderTenant))?.status,
    );
    check('self-service sign-up: role group', 'tenant-admin', founderState.groups);
    check('self-service sign-up: membership', `${founderTenant}/tenant-admin`, await membership(stack, founderSub));

    // 3. Sign-in: the access token carries the tenant claims and role groups the trigger computed (V2_0).
    const signIn = await authenticate(cognito, clientId, { USERNAME: jane, PASSWORD: PASSWORD }, 'USER_PASSWORD_AUTH');
    const claims = signIn.accessToken === undefined ? {} : decodeClaims(signIn.accessToken);
    check('sign-in: access token tenantId', 'acme', claims.tenantId);
    check('sign-in: access token tier', 'standard', claims.tier);
    check('sign-in: access token groups', 'tenant-member', claims['cognito:groups']);

    // 4. Refresh: claims are recomputed by the trigger.
    const refreshed = await authenticate(
      cognito,
      clientId,
      { REFRESH_TOKEN: signIn.refreshToken ?? '' },
      'REFRESH_TOKEN_AUTH',
    );
    const refreshedClaims = refreshed.accessToken === undefined ? {} : decodeClaims(refreshed.accessToken);
    check('refresh: access token tenantId', 'acme', refreshedClaims.tenantId ?? refreshed.error);
    check('refresh: access token tier', 'standard', refreshedClaims.tier);
    check('refresh: access token groups', 'tenant-member', refreshedClaims['cognito:groups']);

    // 5-7. The sample API behind the authorizer, which accepts access tokens only (as deployed).
    const token = refreshed.accessToken ?? signIn.accessToken ?? '';
    const own = await callApi(stack, 'GET', '/tenants/acme/me', token);
    check('API, own tenant: status', 200, own.status);
    check('API, own tenant: context tenantId', 'acme', (own.body as { tenantId?: string } | undefined)?.tenantId);
    check("API, another tenant's path: status", 403, (await callApi(stack, 'GET', '/tenants/globex/me', token)).status);
    check('API, no token: status', 401, (await callApi(stack, 'GET', '/tenants/acme/me')).status);
    check('API, ID token: status', 401, (await callApi(stack, 'GET', '/tenants/acme/me', signIn.idToken)).status);

    // 8. A suspended tenant gets no tokens, at sign-in and at refresh.
    await stack.registry.setStatus('acme', 'suspended');
    try {
      // No cached tenant record to wait out: the stack's tenant cache is off (tenantCacheSeconds: 0).
      const refused = await authenticate(
        cognito,
        clientId,
        { USERNAME: jane, PASSWORD: PASSWORD },
        'USER_PASSWORD_AUTH',
      );
      check('suspended tenant: sign-in refused', 'Your organization is not active.', refusal(refused));
      const refusedRefresh = await authenticate(
        cognito,
        clientId,
        { REFRESH_TOKEN: signIn.refreshToken ?? '' },
        'REFRESH_TOKEN_AUTH',
      );
      check('suspended tenant: refresh refused', 'Your organization is not active.', refusal(refusedRefresh));
    } finally {
      // Seen at once by whatever runs next on this stack (the demo's other flows): nothing caches the suspension.
      await stack.registry.setStatus('acme', 'active');
    }
  });
}

/** What a scene on the local stack works with (`runScene`). */
export interface Scene {
  /** Records a check, comparing as strings, and reports it (`LifecycleOptions.onCheck`). */
  readonly check: (step: string, expected: unknown, got: unknown) => void;
  /** A client of the stack's cognito-local, destroyed when the scene ends. */
  readonly cognito: CognitoIdentityProviderClient;
  /** The run's suffix for unique user names (`LifecycleOptions.runId`, else the time). */
  readonly run: string;
  readonly userPoolId: string;
  readonly clientId: string;
  /** Signs `email` up (confirmed, verified) and in with PASSWORD; the access token. */
  readonly accessToken: (email: string) => Promise<string>;
}

/**
 * Runs a scene of checks against the local stack with its own Cognito client (destroyed after, whatever
 * happens) and returns its checks: what every flow in local/ starts and ends with.
 */
export async function runScene(
  stack: LocalStack,
  options: LifecycleOptions,
  scene: (context: Scene) => Promise<void>,
): Promise<Check[]> {
  const { checks, check } = checkList(options.onCheck);
  const cognito = localCognitoClient(stack.cognito.endpoint);
  const { userPoolId, clientId } = stack.cognito;
  const accessToken = async (email: string) => {
    await signUp(cognito, clientId, userPoolId, email);
    const result = await authenticate(cognito, clientId, { USERNAME: email, PASSWORD }, 'USER_PASSWORD_AUTH');
    return result.accessToken ?? '';
  };
  try {
    await scene({ check, cognito, run: options.runId ?? Date.now().toString(36), userPoolId, clientId, accessToken });
    return checks;
  } finally {
    cognito.destroy();
  }
}

/** The checks of a run and the function that records one (comparing as strings) and reports it. */
function checkList(onCheck?: (check: Check) => void) {
  const checks: Check[] = [];
  const check = (step: string, expected: unknown, got: unknown) => {
    const result = { step, expected: String(expected), got: String(got), ok: String(expected) === String(got) };
    checks.push(result);
    onCheck?.(result);
  };
  return { checks, check };
}

/** Signs a user up with PASSWORD, records the e-mail as verified and confirms with DEMO_CODE; the user's sub. */
export async function signUp(cognito: CognitoIdentityProviderClient, clientId: string, poolId: string, email: string) {
  const result = await cognito.send(
    new SignUpCommand({
      ClientId: clientId,
      Username: email,
      Password: PASSWORD,
      UserAttributes: [{ Name: 'email', Value: email }],
    }),
  );
  // Cognito marks the address verified when the user confirms with the code it e-mailed; cognito-local does
  // not, so the demo records that verification as Cognito would before confirming.
  await cognito.send(
    new AdminUpdateUserAttributesCommand({
      UserPoolId: poolId,
      Username: email,
      UserAttributes: [
        { Name: 'email', Value: email },
        { Name: 'email_verified', Value: 'true' },
      ],
    }),
  );
  await cognito.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: email, ConfirmationCode: DEMO_CODE }));
  return result.UserSub ?? '';
}

// cognito-local keys users by their Username, which is the sub when e-mail is a username attribute.
async function userState(cognito: CognitoIdentityProviderClient, poolId: string, username: string) {
  const user = await cognito.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: username }));
  const groups = await cognito.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: username }));
  return {
    tenantId: user.UserAttributes?.find((attribute) => attribute.Name === 'custom:tenantId')?.Value,
    groups: (groups.Groups ?? []).map((group) => group.GroupName).join(','),
  };
}

async function membership(stack: LocalStack, sub: string): Promise<string> {
  const tenantId = await stack.registry.getUserTenantId(sub);
  if (tenantId === undefined) return '(none)';
  const member = await stack.registry.getMembership(tenantId, sub);
  return `${tenantId}/${member?.role ?? '(none)'}`;
}

export interface AuthResult {
  readonly accessToken?: string;
  readonly idToken?: string;
  readonly refreshToken?: string;
  readonly error?: string;
}

/** `InitiateAuth` with a password or refresh token; tokens, or the error's name and message. */
export async function authenticate(
  cognito: CognitoIdentityProviderClient,
  clientId: string,
  parameters: Record<string, string>,
  flow: 'USER_PASSWORD_AUTH' | 'REFRESH_TOKEN_AUTH',
): Promise<AuthResult> {
  try {
    const result = await cognito.send(
      new InitiateAuthCommand({ ClientId: clientId, AuthFlow: flow, AuthParameters: parameters }),
    );
    return {
      accessToken: result.AuthenticationResult?.AccessToken,
      idToken: result.AuthenticationResult?.IdToken,
      refreshToken: result.AuthenticationResult?.RefreshToken ?? parameters.REFRESH_TOKEN,
    };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

/** The user-facing message of a trigger refusal (`… failed with error <message>.`), or what happened instead. */
function refusal(result: AuthResult): string {
  if (result.error === undefined) return 'tokens issued';
  const message = /failed with error (.*)$/.exec(result.error)?.[1];
  return message === undefined ? result.error : `${message.replace(/\.+$/, '')}.`;
}

/** One call to the local HTTP API, with a bearer token and a JSON body when given; the body parsed when it is JSON. */
export async function callApi(
  stack: LocalStack,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${stack.httpEndpoint}${path}`, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    // Not JSON: keep the text.
    return { status: response.status, body: text };
  }
}

/** The payload of a JWT, without verifying it (the authorizer verifies; the demo only shows claims). */
export function decodeClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}
