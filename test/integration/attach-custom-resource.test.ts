import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakePoolApi, startFakePoolApi } from '../support/fake-pool-api';

type Event = {
  RequestType: 'Create' | 'Update' | 'Delete';
  LogicalResourceId: string;
  ResourceProperties: object;
  OldResourceProperties?: object;
};
// Plain JavaScript (the deploy plugin bundles it): imported by a path the type checker does not follow.
const CUSTOM_RESOURCE = '../../deploy/custom-resource/user-pool-triggers.mjs';
const { userPoolTriggers, COPIED, RENAMED, READ_ONLY } = (await import(CUSTOM_RESOURCE)) as {
  userPoolTriggers(clients: { cognito: unknown; lambda: unknown; log: (message: string, fields: object) => void }): {
    handle(event: Event, environment: object): Promise<void>;
    updateConfiguration(config: object): Promise<unknown>;
    removeConfiguration(config: object): Promise<unknown>;
  };
  COPIED: string[];
  RENAMED: Record<string, string>;
  READ_ONLY: string[];
};
const triggers = { COPIED, RENAMED, READ_ONLY };

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

// biome-ignore lint/suspicious/noExplicitAny: a recorded pool's wire JSON, edited freely by the tests.
type Pool = Record<string, any>;

const ENVIRONMENT = { Partition: 'aws', Region: 'us-east-1', AccountId: '123456789012' };
const POOL_ARN = (id: string) => `arn:aws:cognito-idp:us-east-1:123456789012:userpool/${id}`;

/** The custom resource's properties as the packaged template gives them (osls's, plus the plugin's guard). */
function properties(trigger: keyof typeof OURS, userPoolId = 'us-east-1_AbC123', userPoolName = 'acme-users') {
  return {
    FunctionName: OURS[trigger],
    UserPoolName: userPoolName,
    UserPoolConfigs: [
      trigger === 'PreTokenGeneration' ? { Trigger: trigger, LambdaVersion: 'V2_0' } : { Trigger: trigger },
      { Guard: { UserPoolId: userPoolId, ReplaceTriggers: 'false', Functions: OURS } },
    ],
  };
}

describe('attach-mode custom resource against recorded DescribeUserPool responses (real SDK clients, fake API on 127.0.0.1)', () => {
  let api: FakePoolApi;
  let logs: { message: string; fields: object }[];
  let custom: ReturnType<typeof userPoolTriggers>;

  beforeAll(async () => {
    api = await startFakePoolApi();
  });

  afterAll(async () => {
    await api?.close();
  });

  beforeEach(() => {
    api.pools.clear();
    api.mfa.clear();
    api.permissions.clear();
    api.calls.length = 0;
    logs = [];
    const client = {
      region: 'us-east-1',
      endpoint: api.endpoint,
      credentials: { accessKeyId: 'k', secretAccessKey: 's' },
    };
    custom = userPoolTriggers({
      cognito: new CognitoIdentityProviderClient({ ...client, maxAttempts: 1 }),
      lambda: new LambdaClient({ ...client, maxAttempts: 1 }),
      log: (message, fields) => logs.push({ message, fields }),
    });
  });

  const describeAs = (name: string) => api.addPool(recorded(name));
  const updates = () => api.calls.filter((call) => call.operation === 'UpdateUserPool').map((call) => call.input);
  const failure = (run: Promise<unknown>) =>
    run.then(
      () => 'resolved',
      (error: Error) => error.message,
    );

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
    await custom.updateConfiguration(resource('PreTokenGeneration'));

    // Assess
    expect(api.calls[0]).toEqual({ operation: 'DescribeUserPool', input: { UserPoolId: 'us-east-1_AbC123' } });
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
    await custom.updateConfiguration(resource('PreSignUp'));

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
    const message = await failure(custom.updateConfiguration(resource('PreSignUp')));

    // Assess
    for (const entry of found) expect(message).toContain(entry);
    expect(message).toContain('--param="replaceTriggers=true"');
    expect(updates()).toEqual([]);
  });

  it('replaces a foreign V1 pre token generation trigger in both fields when told to, keeping its other triggers', async () => {
    // Prepare
    describeAs('describe-foreign-pre-token-v1');

    // Act
    await custom.updateConfiguration(resource('PreTokenGeneration', 'true'));

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
    await custom.updateConfiguration(resource('PreSignUp', 'true'));
    await custom.updateConfiguration(resource('PreTokenGeneration', 'true'));

    // Assess
    const [first, second] = updates();
    expect(first?.LambdaConfig).toEqual({
      PreSignUp: fn(OURS.PreSignUp),
      PreTokenGeneration: fn('acme-claims-v2'),
      PreTokenGenerationConfig: { LambdaArn: fn('acme-claims-v2'), LambdaVersion: 'V2_0' },
    });
    expect(second).toEqual(
      keptSettings({
        PreSignUp: fn(OURS.PreSignUp),
        PreTokenGeneration: fn(OURS.PreTokenGeneration),
        PreTokenGenerationConfig: { LambdaArn: fn(OURS.PreTokenGeneration), LambdaVersion: 'V2_0' },
      }),
    );
  });

  it('refuses a pool id whose pool has another name', async () => {
    // Prepare
    const renamed = recorded('describe-no-triggers');
    renamed.UserPool.Name = 'globex-users';
    api.addPool(renamed);

    // Act
    const message = await failure(custom.updateConfiguration(resource('PreSignUp')));

    // Assess
    expect(message).toBe(
      'User pool us-east-1_AbC123 is named "globex-users", not "acme-users"; check userPoolName and userPoolId.',
    );
    expect(updates()).toEqual([]);
  });

  it.each([
    ['a top-level setting', (pool: Pool) => Object.assign(pool, { FutureSetting: { Enabled: true } }), 'FutureSetting'],
    [
      'a setting nested in a copied one',
      (pool: Pool) => Object.assign(pool.Policies.PasswordPolicy, { FutureRule: 3 }),
      'Policies.PasswordPolicy.FutureRule',
    ],
    [
      'a field of a list entry',
      (pool: Pool) => Object.assign(pool.AccountRecoverySetting.RecoveryMechanisms[0], { FutureKey: 'x' }),
      'AccountRecoverySetting.RecoveryMechanisms[0].FutureKey',
    ],
  ])(
    'refuses a pool whose raw DescribeUserPool JSON holds %s the SDK does not model (its output drops it)',
    async (_, add, path) => {
      // Prepare
      describeAs('describe-no-triggers');
      const pool = api.pools.get('us-east-1_AbC123');
      if (pool !== undefined) add(pool);

      // Act
      const message = await failure(custom.updateConfiguration(resource('PreSignUp')));

      // Assess: the SDK's own output lacks the field, so only the raw body can reveal it.
      expect(message).toContain(`has settings this deploy does not know (${path})`);
      expect(updates()).toEqual([]);
    },
  );

  it('creates with the configured pool id when another pool has the same name: permission, update and logs name that pool only', async () => {
    // Prepare: the other pool comes first, as ListUserPools would list it.
    describeAs('describe-same-name-other-pool');
    describeAs('describe-no-triggers');
    const other = structuredClone(api.pools.get('us-east-1_Other9'));

    // Act
    await custom.handle(
      {
        RequestType: 'Create',
        LogicalResourceId: 'PreSignUpCustomCognitoUserPool1',
        ResourceProperties: properties('PreSignUp'),
      },
      ENVIRONMENT,
    );

    // Assess
    expect(api.calls.map((call) => [call.operation, call.input.UserPoolId ?? call.input.FunctionName])).toEqual([
      ['AddPermission', OURS.PreSignUp],
      ['DescribeUserPool', 'us-east-1_AbC123'],
      ['UpdateUserPool', 'us-east-1_AbC123'],
    ]);
    expect(api.calls[0]?.input).toMatchObject({
      Action: 'lambda:InvokeFunction',
      Principal: 'cognito-idp.amazonaws.com',
      SourceArn: POOL_ARN('us-east-1_AbC123'),
      SourceAccount: '123456789012',
    });
    expect(api.pools.get('us-east-1_Other9')).toEqual(other);
    expect(logs.map((line) => line.message)).toEqual([
      'Create PreSignUpCustomCognitoUserPool1',
      'AddPermission',
      'UpdateUserPool',
    ]);
    expect(JSON.stringify(logs)).not.toContain('us-east-1_Other9');
  });

  it('deletes from the configured pool only, removing its own permission, when another pool has the same name', async () => {
    // Prepare
    describeAs('describe-same-name-other-pool');
    describeAs('describe-our-triggers');
    const other = structuredClone(api.pools.get('us-east-1_Other9'));
    await custom.handle(
      { RequestType: 'Create', LogicalResourceId: 'R', ResourceProperties: properties('PreTokenGeneration') },
      ENVIRONMENT,
    );
    api.calls.length = 0;

    // Act
    await custom.handle(
      { RequestType: 'Delete', LogicalResourceId: 'R', ResourceProperties: properties('PreTokenGeneration') },
      ENVIRONMENT,
    );

    // Assess
    expect(api.permissions.get(OURS.PreTokenGeneration)?.size).toBe(0);
    expect(updates()).toEqual([
      keptSettings({
        PreSignUp: fn(OURS.PreSignUp),
        PostConfirmation: fn(OURS.PostConfirmation),
        CustomMessage: fn('acme-custom-message'),
      }),
    ]);
    expect(api.pools.get('us-east-1_Other9')).toEqual(other);
  });

  it('deletes without error when the configured pool no longer exists and its permission is gone', async () => {
    // Act
    const outcome = await failure(
      custom.handle(
        { RequestType: 'Delete', LogicalResourceId: 'R', ResourceProperties: properties('PreSignUp') },
        ENVIRONMENT,
      ),
    );

    // Assess
    expect(outcome).toBe('resolved');
    expect(logs.map((line) => line.message)).toContain('pool gone, nothing to remove');
  });

  it('moves to another pool id on update: permission for the new pool, triggers and permission removed from the old', async () => {
    // Prepare
    describeAs('describe-no-triggers');
    const moved = recorded('describe-same-name-other-pool');
    moved.UserPool.LambdaConfig = {};
    api.addPool(moved);
    await custom.handle(
      { RequestType: 'Create', LogicalResourceId: 'R', ResourceProperties: properties('PreSignUp') },
      ENVIRONMENT,
    );

    // Act
    await custom.handle(
      {
        RequestType: 'Update',
        LogicalResourceId: 'R',
        ResourceProperties: properties('PreSignUp', 'us-east-1_Other9'),
        OldResourceProperties: properties('PreSignUp'),
      },
      ENVIRONMENT,
    );

    // Assess
    expect([...(api.permissions.get(OURS.PreSignUp)?.values() ?? [])]).toEqual([POOL_ARN('us-east-1_Other9')]);
    expect(api.pools.get('us-east-1_Other9')?.LambdaConfig).toEqual({ PreSignUp: fn(OURS.PreSignUp) });
    expect(api.pools.get('us-east-1_AbC123')?.LambdaConfig).toEqual({});
  });

  it('replaces a conflicting permission statement of its own on create (a retried create)', async () => {
    // Prepare
    describeAs('describe-no-triggers');
    const create = {
      RequestType: 'Create' as const,
      LogicalResourceId: 'R',
      ResourceProperties: properties('PreSignUp'),
    };
    await custom.handle(create, ENVIRONMENT);

    // Act
    await custom.handle(create, ENVIRONMENT);

    // Assess
    expect(api.calls.map((call) => call.operation).filter((op) => op.endsWith('Permission'))).toEqual([
      'AddPermission',
      'AddPermission',
      'RemovePermission',
      'AddPermission',
    ]);
    expect(api.permissions.get(OURS.PreSignUp)?.size).toBe(1);
  });

  it('refuses a resource without the pool id guard instead of finding the pool by name', async () => {
    // Act
    const message = await failure(
      custom.handle(
        {
          RequestType: 'Create',
          LogicalResourceId: 'R',
          ResourceProperties: {
            FunctionName: OURS.PreSignUp,
            UserPoolName: 'acme-users',
            UserPoolConfigs: [{ Trigger: 'PreSignUp' }],
          },
        },
        ENVIRONMENT,
      ),
    );

    // Assess
    expect(message).toContain('has no pool id');
    expect(api.calls).toEqual([]);
  });

  // MFA lives in two APIs: MfaConfiguration (OFF/ON/OPTIONAL) is an UpdateUserPool field, so it is copied (left out,
  // Cognito would reset it to OFF); the TOTP and e-mail factors are SetUserPoolMfaConfig's and not part of
  // UpdateUserPoolRequest (the SDK model test above lists every field it takes), so UpdateUserPool cannot touch them
  // and they keep MFA satisfiable. Cognito refuses ON/OPTIONAL with no factor left (the fake enforces it).
  it('keeps an authenticator-only MFA pool as it is: MfaConfiguration OPTIONAL, no SMS role, accepted because TOTP stays enabled', async () => {
    // Prepare
    api.addPool(recorded('describe-mfa-authenticator-only'), { softwareToken: true, email: false });
    const config = { ...resource('PreSignUp'), userPoolName: 'acme-totp-users' };
    config.userPoolConfigs[1] = {
      Guard: { UserPoolId: 'us-east-1_Totp01', ReplaceTriggers: 'false', Functions: OURS },
    };

    // Act
    await custom.updateConfiguration(config);

    // Assess
    const [update] = updates();
    expect(update).toMatchObject({ UserPoolId: 'us-east-1_Totp01', MfaConfiguration: 'OPTIONAL' });
    expect(update).not.toHaveProperty('SmsConfiguration');
    expect(update?.EmailConfiguration).toEqual({ EmailSendingAccount: 'COGNITO_DEFAULT' });
    expect(api.pools.get('us-east-1_Totp01')?.MfaConfiguration).toBe('OPTIONAL');
  });

  it('keeps an e-mail-only MFA pool as it is: MfaConfiguration ON with its SES e-mail and plan, accepted because e-mail MFA stays enabled', async () => {
    // Prepare
    api.addPool(recorded('describe-mfa-email-only'), { softwareToken: false, email: true });
    const config = { ...resource('PreTokenGeneration'), userPoolName: 'acme-mail-users' };
    config.userPoolConfigs[1] = {
      Guard: { UserPoolId: 'us-east-1_Mail01', ReplaceTriggers: 'false', Functions: OURS },
    };

    // Act
    await custom.updateConfiguration(config);

    // Assess
    const [update] = updates();
    expect(update).toMatchObject({
      UserPoolId: 'us-east-1_Mail01',
      MfaConfiguration: 'ON',
      UserPoolTier: 'ESSENTIALS',
      EmailConfiguration: { EmailSendingAccount: 'DEVELOPER' },
    });
    expect(update).not.toHaveProperty('SmsConfiguration');
  });

  it('has a fake that refuses what Cognito refuses: MFA ON with no factor left, e-mail MFA without SES e-mail', async () => {
    // Prepare
    api.addPool(recorded('describe-mfa-authenticator-only'), { softwareToken: false, email: false });
    api.addPool(recorded('describe-mfa-email-only'), { softwareToken: false, email: true });
    const mail = api.pools.get('us-east-1_Mail01');
    if (mail !== undefined) mail.EmailConfiguration = { EmailSendingAccount: 'COGNITO_DEFAULT' };
    const totp = { ...resource('PreSignUp'), userPoolName: 'acme-totp-users' };
    totp.userPoolConfigs[1] = { Guard: { UserPoolId: 'us-east-1_Totp01', ReplaceTriggers: 'false', Functions: OURS } };
    const email = { ...resource('PreSignUp'), userPoolName: 'acme-mail-users' };
    email.userPoolConfigs[1] = { Guard: { UserPoolId: 'us-east-1_Mail01', ReplaceTriggers: 'false', Functions: OURS } };

    // Act
    const noFactor = await failure(custom.updateConfiguration(totp));
    const noSes = await failure(custom.updateConfiguration(email));

    // Assess
    expect(noFactor).toContain("can't disable all MFAs");
    expect(noSes).toContain('Email MFA requires Amazon SES');
  });
});
