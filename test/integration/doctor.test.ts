import { UpdateUserPoolClientCommand, UpdateUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it } from 'vitest';
import { cliRunner } from '../support/cli';
import { useCognitoLocal } from '../support/cognito-pool';

const functionArn = (fn: string) => `arn:aws:lambda:us-east-1:123456789012:function:cognito-tenancy-dev-${fn}`;

describe('tenants doctor against cognito-local', () => {
  // A fresh pool per test: one test changes the pool another expects untouched, and any order must pass.
  const local = useCognitoLocal('test');

  const doctor = (...argv: string[]) =>
    cliRunner({ AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: local.cognito.endpoint })('doctor', ...argv);

  it('reports a pool the suite is not attached to as unsafe, one line per finding', async () => {
    // Act
    const result = await doctor('--pool', local.cognito.userPoolId);

    // Assess
    expect(result.code).toBe(1);
    expect(result.out).toEqual([
      'ok      custom:tenantId: exists and is mutable',
      `UNSAFE  app client ${local.cognito.clientId} (${local.cognito.clientId}): does not list WriteAttributes: by default users can write every attribute, custom:tenantId included`,
      `warn    app client ${local.cognito.clientId} (${local.cognito.clientId}): does not list ReadAttributes: users can read every attribute`,
      'warn    identity providers: could not be listed: Unsupported: Cognito Local unsupported feature: Unsupported x-amz-target header "ListIdentityProviders"',
      'UNSAFE  trigger PreSignUp: is not set; expected cognito-tenancy-dev-preSignUp',
      'UNSAFE  trigger PostConfirmation: is not set; expected cognito-tenancy-dev-postConfirmation',
      'UNSAFE  trigger PreTokenGeneration: is not set; expected cognito-tenancy-dev-preTokenGeneration',
      'ok      feature plan: is ESSENTIALS',
    ]);
  });

  it('finds nothing unsafe once the triggers point at the suite and the client lists its attributes, and exits 3 because cognito-local cannot list identity providers', async () => {
    // Prepare
    await local.client.send(
      new UpdateUserPoolCommand({
        UserPoolId: local.cognito.userPoolId,
        LambdaConfig: {
          PreSignUp: functionArn('preSignUp'),
          PostConfirmation: functionArn('postConfirmation'),
          PreTokenGenerationConfig: { LambdaArn: functionArn('preTokenGeneration'), LambdaVersion: 'V2_0' },
        },
      }),
    );
    await local.client.send(
      new UpdateUserPoolClientCommand({
        UserPoolId: local.cognito.userPoolId,
        ClientId: local.cognito.clientId,
        ReadAttributes: ['email', 'custom:tenantId'],
        WriteAttributes: ['email'],
      }),
    );

    // Act
    const result = await doctor('--pool', local.cognito.userPoolId, '--stage', 'dev');

    // Assess
    expect(result.out.filter((line) => line.startsWith('UNSAFE'))).toEqual([]);
    expect(result.code).toBe(3);
    expect(result.err).toEqual([
      'error: could not check the identity providers (see the line above); the rest of the pool is safe',
    ]);
  });

  it('refuses a malformed pool id before calling Cognito', async () => {
    // Act
    const result = await doctor('--pool', 'not-a-pool');

    // Assess
    expect(result).toEqual({
      code: 2,
      out: [],
      err: ['error: invalid user pool id "not-a-pool" (expected e.g. us-east-1_AbC123)'],
      targets: [],
    });
  });
});
