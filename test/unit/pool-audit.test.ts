import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CognitoIdentityProviderClient,
  DescribeIdentityProviderCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  ListIdentityProvidersCommand,
  ListUserPoolClientsCommand,
  type UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { auditPool, type PoolSnapshot } from '../../shared/operations/pool-audit';
import { readPoolSnapshot } from '../../shared/operations/pool-snapshot';

// Recorded Describe*/List* responses of a pool the suite is correctly attached to.
const recorded = (name: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'doctor', `${name}.json`), 'utf8'));
const EXPECTED = { service: 'cognito-tenancy', stage: 'prod' };
const POOL_ID = 'us-east-1_Prod12345';

const cognito = mockClient(CognitoIdentityProviderClient);

function replayRecordedPool() {
  cognito.on(DescribeUserPoolCommand).resolves(recorded('describe-user-pool'));
  cognito.on(ListUserPoolClientsCommand).resolves(recorded('list-user-pool-clients'));
  cognito
    .on(DescribeUserPoolClientCommand, { ClientId: '5example0web0client0id0abc' })
    .resolves(recorded('describe-user-pool-client-web'))
    .on(DescribeUserPoolClientCommand, { ClientId: '7example0admin0console0xyz' })
    .resolves(recorded('describe-user-pool-client-admin'));
  cognito.on(ListIdentityProvidersCommand).resolves(recorded('list-identity-providers'));
  cognito.on(DescribeIdentityProviderCommand).resolves(recorded('describe-identity-provider'));
}

async function snapshot(): Promise<PoolSnapshot> {
  return readPoolSnapshot(new CognitoIdentityProviderClient({ region: 'us-east-1' }), POOL_ID);
}

const unsafeLines = (snap: PoolSnapshot) =>
  auditPool(snap, EXPECTED)
    .filter((finding) => finding.severity === 'unsafe')
    .map((finding) => `${finding.subject}: ${finding.message}`);

describe('doctor: pool audit', () => {
  afterEach(() => cognito.reset());

  it('finds nothing unsafe in a correctly attached pool', async () => {
    // Prepare
    replayRecordedPool();

    // Act
    const findings = auditPool(await snapshot(), EXPECTED);

    // Assess
    expect(findings.map((finding) => [finding.severity, finding.subject])).toEqual([
      ['ok', 'custom:tenantId'],
      ['ok', 'app client web (5example0web0client0id0abc)'],
      ['ok', 'app client admin-console (7example0admin0console0xyz)'],
      ['ok', 'identity provider AcmeSAML'],
      ['ok', 'trigger PreSignUp'],
      ['ok', 'trigger PostConfirmation'],
      ['ok', 'trigger PreTokenGeneration'],
      ['ok', 'feature plan'],
    ]);
  });

  it('flags an app client that lets users write custom:tenantId', async () => {
    // Prepare
    replayRecordedPool();
    const web = recorded('describe-user-pool-client-web');
    web.UserPoolClient.WriteAttributes.push('custom:tenantId');
    cognito.on(DescribeUserPoolClientCommand, { ClientId: '5example0web0client0id0abc' }).resolves(web);

    // Act
    const lines = unsafeLines(await snapshot());

    // Assess
    expect(lines).toEqual([
      'app client web (5example0web0client0id0abc): lets users write custom:tenantId (remove it from WriteAttributes)',
    ]);
  });

  it('flags an app client that leaves its attribute lists at the permissive defaults', async () => {
    // Prepare
    replayRecordedPool();
    const admin = recorded('describe-user-pool-client-admin');
    delete admin.UserPoolClient.WriteAttributes;
    delete admin.UserPoolClient.ReadAttributes;
    cognito.on(DescribeUserPoolClientCommand, { ClientId: '7example0admin0console0xyz' }).resolves(admin);

    // Act
    const findings = auditPool(await snapshot(), EXPECTED).filter((f) => f.subject.includes('admin-console'));

    // Assess
    expect(findings.map((finding) => finding.severity)).toEqual(['unsafe', 'warning']);
  });

  it('flags a client whose users could rewrite the IdP-groups attribute behind the role mappings', async () => {
    // Prepare: the web client must write custom:idpGroups for the SAML mapping, and also grants the scope
    // that lets a user call UpdateUserAttributes.
    replayRecordedPool();
    const web = recorded('describe-user-pool-client-web');
    web.UserPoolClient.WriteAttributes.push('custom:idpGroups');
    web.UserPoolClient.AllowedOAuthScopes.push('aws.cognito.signin.user.admin');
    cognito.on(DescribeUserPoolClientCommand, { ClientId: '5example0web0client0id0abc' }).resolves(web);
    const snap = await snapshot();

    // Act
    const withMappings = auditPool(snap, { ...EXPECTED, idpGroupsAttribute: 'custom:idpGroups' });
    const withoutMappings = auditPool(snap, EXPECTED);

    // Assess
    expect(withMappings.filter((finding) => finding.severity === 'unsafe')).toEqual([
      {
        severity: 'unsafe',
        subject: 'app client web (5example0web0client0id0abc)',
        message:
          'grants aws.cognito.signin.user.admin while custom:idpGroups is writable: users could grant themselves mapped roles',
      },
    ]);
    expect(withoutMappings.filter((finding) => finding.severity === 'unsafe')).toEqual([]);
  });

  it('flags an identity provider that maps an IdP attribute onto custom:tenantId', async () => {
    // Prepare
    replayRecordedPool();
    const provider = recorded('describe-identity-provider');
    provider.IdentityProvider.AttributeMapping['custom:tenantId'] = 'http://schemas.acme.example/tenant';
    cognito.on(DescribeIdentityProviderCommand).resolves(provider);

    // Act
    const lines = unsafeLines(await snapshot());

    // Assess
    expect(lines).toEqual([
      'identity provider AcmeSAML: maps http://schemas.acme.example/tenant onto custom:tenantId: the IdP would choose the tenant',
    ]);
  });

  it.each<[string, (pool: UserPoolType) => void, string]>([
    [
      'a missing tenant attribute',
      (pool) => {
        pool.SchemaAttributes = pool.SchemaAttributes?.filter((attribute) => attribute.Name !== 'custom:tenantId');
      },
      'custom:tenantId: does not exist: add it (String, mutable) to the pool schema',
    ],
    [
      'an immutable tenant attribute',
      (pool) => {
        pool.SchemaAttributes = pool.SchemaAttributes?.map((attribute) =>
          attribute.Name === 'custom:tenantId' ? { ...attribute, Mutable: false } : attribute,
        );
      },
      'custom:tenantId: is immutable: the suite writes it after sign-up, so it must be mutable',
    ],
    [
      'pre token generation at V1_0',
      (pool) => {
        const arn = pool.LambdaConfig?.PreTokenGenerationConfig?.LambdaArn;
        pool.LambdaConfig = {
          ...pool.LambdaConfig,
          PreTokenGenerationConfig: { LambdaArn: arn, LambdaVersion: 'V1_0' },
        };
      },
      'trigger PreTokenGeneration: runs at V1_0: access tokens get no tenant claims (use V2_0)',
    ],
    [
      'a post confirmation trigger of another stage',
      (pool) => {
        pool.LambdaConfig = {
          ...pool.LambdaConfig,
          PostConfirmation: 'arn:aws:lambda:us-east-1:123456789012:function:cognito-tenancy-dev-postConfirmation',
        };
      },
      'trigger PostConfirmation: is arn:aws:lambda:us-east-1:123456789012:function:cognito-tenancy-dev-postConfirmation; expected cognito-tenancy-prod-postConfirmation (a deploy refuses to replace another function unless --param="replaceTriggers=true")',
    ],
    [
      'a foreign V1 pre token generation trigger (the legacy field only)',
      (pool) => {
        pool.LambdaConfig = {
          ...pool.LambdaConfig,
          PreTokenGeneration: 'arn:aws:lambda:us-east-1:123456789012:function:acme-legacy-claims',
          PreTokenGenerationConfig: undefined,
        };
      },
      'trigger PreTokenGeneration: is arn:aws:lambda:us-east-1:123456789012:function:acme-legacy-claims; expected cognito-tenancy-prod-preTokenGeneration (a deploy refuses to replace another function unless --param="replaceTriggers=true")',
    ],
    [
      'a foreign legacy pre token ARN left next to the suite in PreTokenGenerationConfig',
      (pool) => {
        pool.LambdaConfig = {
          ...pool.LambdaConfig,
          PreTokenGeneration: 'arn:aws:lambda:us-east-1:123456789012:function:acme-legacy-claims',
        };
      },
      'trigger PreTokenGeneration: is arn:aws:lambda:us-east-1:123456789012:function:acme-legacy-claims; expected cognito-tenancy-prod-preTokenGeneration (a deploy refuses to replace another function unless --param="replaceTriggers=true")',
    ],
    [
      'the Lite feature plan',
      (pool) => {
        pool.UserPoolTier = 'LITE';
      },
      'feature plan: is Lite: pre token generation V2_0/V3_0 needs Essentials or Plus',
    ],
  ])('flags %s', async (_case, change, expected) => {
    // Prepare
    replayRecordedPool();
    const described = recorded('describe-user-pool') as { UserPool: UserPoolType };
    change(described.UserPool);
    cognito.on(DescribeUserPoolCommand).resolves(described);

    // Act
    const lines = unsafeLines(await snapshot());

    // Assess
    expect(lines).toEqual([expected]);
  });

  it.each([
    [
      'V3_0',
      'trigger PreTokenGeneration: runs at V2_0, but the deploy sets preTokenVersion=V3_0: machine-to-machine tokens get no tenant claims',
    ],
    ['V2_0', undefined],
  ] as const)("checks the pool against the deploy's preTokenVersion %s", async (preTokenVersion, expected) => {
    // Prepare: the recorded pool runs pre token generation at V2_0.
    replayRecordedPool();

    // Act
    const lines = auditPool(await snapshot(), { ...EXPECTED, preTokenVersion })
      .filter((finding) => finding.severity === 'unsafe')
      .map((finding) => `${finding.subject}: ${finding.message}`);

    // Assess
    expect(lines).toEqual(expected === undefined ? [] : [expected]);
  });

  it('warns instead of passing when identity providers cannot be listed', async () => {
    // Prepare
    replayRecordedPool();
    cognito
      .on(ListIdentityProvidersCommand)
      .rejects(Object.assign(new Error('not supported'), { name: 'UnsupportedError' }));

    // Act
    const findings = auditPool(await snapshot(), EXPECTED);

    // Assess
    expect(findings).toContainEqual({
      severity: 'warning',
      subject: 'identity providers',
      message: 'could not be listed: UnsupportedError: not supported',
    });
  });
});
