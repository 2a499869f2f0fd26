import {
  AdminAddUserToGroupCommand,
  AdminSetUserPasswordCommand,
  type CognitoIdentityProviderClient,
  InitiateAuthCommand,
  UpdateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { localFunctionArn } from '../../local/cognito-local';
import { createPoolUser, type PoolUser } from './sign-up';

/** Creates a confirmed user with a permanent password, in `groups`, as a finished sign-up leaves it. */
export async function createSignInUser(
  client: CognitoIdentityProviderClient,
  userPoolId: string,
  domain: string,
  password: string,
  options: { readonly attributes?: Record<string, string>; readonly groups?: readonly string[] } = {},
): Promise<PoolUser> {
  const user = await createPoolUser(client, userPoolId, domain, options.attributes);
  await client.send(
    new AdminSetUserPasswordCommand({
      UserPoolId: userPoolId,
      Username: user.username,
      Password: password,
      Permanent: true,
    }),
  );
  for (const group of options.groups ?? []) {
    await client.send(
      new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: user.username, GroupName: group }),
    );
  }
  return user;
}

/** The raw tokens of a `USER_PASSWORD_AUTH` sign-in. */
export async function signInTokens(
  client: CognitoIdentityProviderClient,
  clientId: string,
  username: string,
  password: string,
): Promise<{ access: string; id: string; refresh: string }> {
  const result = await client.send(
    new InitiateAuthCommand({
      ClientId: clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: username, PASSWORD: password },
    }),
  );
  const tokens = result.AuthenticationResult;
  return { access: tokens?.AccessToken ?? '', id: tokens?.IdToken ?? '', refresh: tokens?.RefreshToken ?? '' };
}

/** Points the pool's pre token generation at `functionName` and sets its `LambdaVersion`, as UpdateUserPool does. */
export async function setPreTokenGenerationVersion(
  client: CognitoIdentityProviderClient,
  userPoolId: string,
  functionName: string,
  version: 'V1_0' | 'V2_0',
): Promise<void> {
  const arn = localFunctionArn(functionName);
  await client.send(
    new UpdateUserPoolCommand({
      UserPoolId: userPoolId,
      LambdaConfig: { PreTokenGeneration: arn, PreTokenGenerationConfig: { LambdaArn: arn, LambdaVersion: version } },
    }),
  );
}
