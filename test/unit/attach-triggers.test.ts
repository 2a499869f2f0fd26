import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// The custom resource is CommonJS and runs with its own copy of the SDK: load both through `require`, so the
// mocked client class is the one it uses.
const require = createRequire(import.meta.url);
const sdk =
  require('@aws-sdk/client-cognito-identity-provider') as typeof import('@aws-sdk/client-cognito-identity-provider');
const { mockClient } = require('aws-sdk-client-mock') as typeof import('aws-sdk-client-mock');
const triggers = require('../../deploy/custom-resource/user-pool-triggers.cjs') as {
  updateConfiguration(config: object): Promise<unknown>;
  removeConfiguration(config: object): Promise<unknown>;
  COPIED: string[];
  RENAMED: Record<string, string>;
  READ_ONLY: string[];
};

const root = join(import.meta.dirname, '..', '..');
const fn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
const OURS = {
  PreSignUp: 'cognito-tenancy-prod-preSignUp',
  PostConfirmation: 'cognito-tenancy-prod-postConfirmation',
  PreTokenGeneration: 'cognito-tenancy-prod-preTokenGeneration',
};

function recorded(name: string) {
  return JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'attach', `${name}.json`), 'utf8'));
}

/** The `UserPoolConfigs` of one custom resource as the plugin leaves them: osls's entry plus the guard. */
function resource(trigger: keyof typeof OURS, replaceTriggers = 'false') {
  return {
    lambdaArn: fn(OURS[trigger]),
    userPoolName: 'acme-users',
    region: 'us-east-1',
    userPoolConfigs: [
      trigger === 'PreTokenGeneration' ? { Trigger: trigger, LambdaVersion: 'V2_0' } : { Trigger: trigger },
      { Guard: { UserPoolId: 'us-east-1_AbC123', ReplaceTriggers: replaceTriggers, Functions: OURS } },
    ],
  };
}

/** Every setting of the recorded pool as UpdateUserPool must receive it, with the given triggers. */
function keptSettings(lambdaConfig: Record<string, unknown>) {
  return {
    UserPoolId: 'us-east-1_AbC123',
    PoolName: 'acme-users',
    Policies: {
      PasswordPolicy: {
        MinimumLength: 12,
        RequireUppercase: true,
        RequireLowercase: true,
        RequireNumbers: true,
        RequireSymbols: false,
        PasswordHistorySize: 5,
        TemporaryPasswordValidityDays: 3,
      },
      SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP'] },
    },
    DeletionProtection: 'ACTIVE',
    LambdaConfig: lambdaConfig,
    AutoVerifiedAttributes: ['email'],
    SmsVerificationMessage: 'Your Acme code is {####}',
    EmailVerificationMessage: 'Your Acme verification code is {####}',
    EmailVerificationSubject: 'Verify your Acme account',
    VerificationMessageTemplate: {
      SmsMessage: 'Your Acme code is {####}',
      EmailMessage: 'Your Acme verification code is {####}',
      EmailSubject: 'Verify your Acme account',
      DefaultEmailOption: 'CONFIRM_WITH_CODE',
    },
    SmsAuthenticationMessage: 'Your Acme sign-in code is {####}',
    UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ['email'] },
    MfaConfiguration: 'OPTIONAL',
    DeviceConfiguration: { ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true },
    EmailConfiguration: {
      SourceArn: 'arn:aws:ses:us-east-1:123456789012:identity/acme.example',
      ReplyToEmailAddress: 'support@acme.example',
      EmailSendingAccount: 'DEVELOPER',
      From: 'Acme <no-reply@acme.example>',
      ConfigurationSet: 'acme-auth',
    },
    SmsConfiguration: {
      SnsCallerArn: 'arn:aws:iam::123456789012:role/acme-cognito-sms',
      ExternalId: 'acme-sms-external-id',
      SnsRegion: 'us-east-1',
    },
    UserPoolTags: { team: 'identity', 'cost-center': '42' },
    // UnusedAccountValidityDays is the deprecated twin of TemporaryPasswordValidityDays (kept above).
    AdminCreateUserConfig: {
      AllowAdminCreateUserOnly: false,
      InviteMessageTemplate: {
        SMSMessage: 'Your Acme user name is {username}, password {####}',
        EmailMessage: 'Your Acme user name is {username}, temporary password {####}',
        EmailSubject: 'Welcome to Acme',
      },
    },
    UserPoolAddOns: { AdvancedSecurityMode: 'AUDIT', AdvancedSecurityAdditionalFlows: { CustomAuthMode: 'AUDIT' } },
    AccountRecoverySetting: { RecoveryMechanisms: [{ Priority: 1, Name: 'verified_email' }] },
    UserPoolTier: 'ESSENTIALS',
  };
}

/** The property names of an interface in the SDK's published model types. */
function modelFields(name: string): string[] {
  const dir = join(root, 'node_modules', '@aws-sdk', 'client-cognito-identity-provider', 'dist-types', 'models');
  for (const file of ['models_0.d.ts', 'models_1.d.ts']) {
    const text = readFileSync(join(dir, file), 'utf8');
    const start = text.indexOf(`export interface ${name} {`);
    if (start === -1) continue;
    const body = text.slice(start, text.indexOf('\n}', start));
    return [...body.matchAll(/^ {4}(\w+)\??: /gm)].map((match) => match[1] ?? '').sort();
  }
  throw new Error(`no ${name} in the SDK model types`);
}

describe('attach-mode custom resource against recorded DescribeUserPool responses', () => {
  const cognito = mockClient(sdk.CognitoIdentityProviderClient);

  beforeEach(() => {
    cognito.reset();
    cognito.on(sdk.UpdateUserPoolCommand).resolves({});
  });

  afterEach(() => {
    cognito.reset();
  });

  const describeAs = (name: string) => cognito.on(sdk.DescribeUserPoolCommand).resolves(recorded(name));
  const updates = () => cognito.commandCalls(sdk.UpdateUserPoolCommand).map((call) => call.args[0].input);

  it('covers every field of the SDK: each DescribeUserPool field is copied, renamed or read-only, and each UpdateUserPool field is given', () => {
    // Prepare
    const described = modelFields('UserPoolType');
    const updatable = modelFields('UpdateUserPoolRequest');

    // Act
    const handled = [...triggers.COPIED, ...triggers.READ_ONLY, ...Object.keys(triggers.RENAMED)].sort();
    const given = ['UserPoolId', ...triggers.COPIED, ...Object.values(triggers.RENAMED)].sort();

    // Assess
    expect(handled).toEqual(described);
    expect(given).toEqual(updatable);
  });

  it('sets pre token generation on a pool without triggers in both of its fields, keeping every other setting', async () => {
    // Prepare
    describeAs('describe-no-triggers');

    // Act
    await triggers.updateConfiguration(resource('PreTokenGeneration'));

    // Assess
    expect(cognito.commandCalls(sdk.DescribeUserPoolCommand)[0]?.args[0].input).toEqual({
      UserPoolId: 'us-east-1_AbC123',
    });
    expect(updates()).toEqual([
      keptSettings({
        PreTokenGeneration: fn(OURS.PreTokenGeneration),
        PreTokenGenerationConfig: { LambdaArn: fn(OURS.PreTokenGeneration), LambdaVersion: 'V2_0' },
      }),
    ]);
  });

  it('redeploys onto its own triggers without touching the foreign ones beside them', async () => {
    // Prepare
    describeAs('describe-our-triggers');

    // Act
    await triggers.updateConfiguration(resource('PreSignUp'));

    // Assess
    expect(updates()).toEqual([keptSettings(recorded('describe-our-triggers').UserPool.LambdaConfig)]);
  });

  it.each([
    [
      'a foreign V1 pre token generation trigger',
      'describe-foreign-pre-token-v1',
      [`PreTokenGeneration: ${fn('acme-legacy-claims')}`],
    ],
    [
      'a foreign V2 pre token generation config and pre sign-up',
      'describe-foreign-pre-token-v2',
      [`PreSignUp: ${fn('acme-signup-gate')}`, `PreTokenGeneration: ${fn('acme-claims-v2')}`],
    ],
  ])('refuses, before any change and naming the function, a pool with %s', async (_, name, found) => {
    // Prepare
    describeAs(name);

    // Act: the first resource of the chain (pre sign-up) checks every slot of the service.
    const run = triggers.updateConfiguration(resource('PreSignUp'));

    // Assess
    const error = await run.then(
      () => undefined,
      (reason: Error) => reason,
    );
    for (const entry of found) expect(error?.message).toContain(entry);
    expect(error?.message).toContain('--param="replaceTriggers=true"');
    expect(updates()).toEqual([]);
  });

  it('replaces a foreign V1 pre token generation trigger in both fields when told to, keeping its other triggers', async () => {
    // Prepare
    describeAs('describe-foreign-pre-token-v1');

    // Act
    await triggers.updateConfiguration(resource('PreTokenGeneration', 'true'));

    // Assess
    expect(updates()).toEqual([
      keptSettings({
        CustomMessage: fn('acme-custom-message'),
        PreTokenGeneration: fn(OURS.PreTokenGeneration),
        PreTokenGenerationConfig: { LambdaArn: fn(OURS.PreTokenGeneration), LambdaVersion: 'V2_0' },
      }),
    ]);
  });

  it('replaces a foreign V2 config when told to, resource by resource', async () => {
    // Prepare
    describeAs('describe-foreign-pre-token-v2');

    // Act
    await triggers.updateConfiguration(resource('PreSignUp', 'true'));
    await triggers.updateConfiguration(resource('PreTokenGeneration', 'true'));

    // Assess
    const [first, second] = updates();
    expect(first?.LambdaConfig).toEqual({
      PreSignUp: fn(OURS.PreSignUp),
      PreTokenGeneration: fn('acme-claims-v2'),
      PreTokenGenerationConfig: { LambdaArn: fn('acme-claims-v2'), LambdaVersion: 'V2_0' },
    });
    expect(second).toEqual(
      keptSettings({
        PreSignUp: fn('acme-signup-gate'),
        PreTokenGeneration: fn(OURS.PreTokenGeneration),
        PreTokenGenerationConfig: { LambdaArn: fn(OURS.PreTokenGeneration), LambdaVersion: 'V2_0' },
      }),
    );
  });

  it('removes its pre token generation trigger from both fields on stack removal, keeping everything else', async () => {
    // Prepare
    describeAs('describe-our-triggers');
    cognito.on(sdk.ListUserPoolsCommand).resolves({ UserPools: [{ Id: 'us-east-1_AbC123', Name: 'acme-users' }] });

    // Act
    await triggers.removeConfiguration({
      lambdaArn: fn(OURS.PreTokenGeneration),
      userPoolName: 'acme-users',
      region: 'us-east-1',
    });

    // Assess
    expect(updates()).toEqual([
      keptSettings({
        PreSignUp: fn(OURS.PreSignUp),
        PostConfirmation: fn(OURS.PostConfirmation),
        CustomMessage: fn('acme-custom-message'),
      }),
    ]);
  });

  it('refuses a pool id whose pool has another name, and a pool reporting a setting it does not know', async () => {
    // Prepare
    const renamed = recorded('describe-no-triggers');
    renamed.UserPool.Name = 'globex-users';
    const unknown = recorded('describe-no-triggers');
    unknown.UserPool.FutureSetting = { Enabled: true };

    // Act
    cognito.on(sdk.DescribeUserPoolCommand).resolvesOnce(renamed).resolvesOnce(unknown);
    const wrongName = triggers.updateConfiguration(resource('PreSignUp'));
    const wrongNameError = await wrongName.catch((error: Error) => error.message);
    const unknownField = await triggers
      .updateConfiguration(resource('PreSignUp'))
      .catch((error: Error) => error.message);

    // Assess
    expect(wrongNameError).toBe(
      'User pool us-east-1_AbC123 is named "globex-users", not "acme-users"; check userPoolName and userPoolId.',
    );
    expect(unknownField).toContain('has settings this deploy does not know (FutureSetting)');
    expect(updates()).toEqual([]);
  });
});
