import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { startBudgetMs } from '../../local/start-timeout';
import { packageTemplate as packageWithDir, type Resource, type Template } from '../support/package-template';

const run = promisify(execFile);
let lastPackageDir = '';
let lastTempLeftovers: string[] = [];
let lastOutput = '';

/** `serverless package` as `npm run package` runs it; remembers the folder and the output of the last package. */
async function packageTemplate(params: Record<string, string>): Promise<Template> {
  const { template, dir, tempLeftovers, output } = await packageWithDir(params);
  lastPackageDir = dir;
  lastTempLeftovers = tempLeftovers;
  lastOutput = output;
  return template;
}

const ofType = (template: Template, type: string) =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

/** Every statement of the suite's own roles and policies, with the resource that holds it. */
function statements(template: Template) {
  const found: { holder: string; Action: string[]; Resource: unknown }[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    const documents =
      resource.Type === 'AWS::IAM::Role'
        ? (resource.Properties.Policies ?? []).map((policy: { PolicyDocument: unknown }) => policy.PolicyDocument)
        : resource.Type === 'AWS::IAM::Policy'
          ? [resource.Properties.PolicyDocument]
          : [];
    for (const document of documents) {
      for (const statement of document.Statement) {
        found.push({ holder: id, Action: [statement.Action].flat(), Resource: statement.Resource });
      }
    }
  }
  return found;
}

// X-Ray's write actions support no resource-level permissions; everything else must name its resources.
const TENANT_OBJECTS = `\${TenantDataBucket.Arn}/\${!aws:PrincipalTag/TenantID}/*`;
// A `serverless package` run is start-up bound (the framework, its plugins, esbuild): a multiple of the start limit.
vi.setConfig({ hookTimeout: startBudgetMs(4), testTimeout: startBudgetMs(3) });

const UNSCOPABLE = new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);

describe('serverless package (offline, no credentials)', () => {
  let create: Template;
  let attach: Template;
  let createDir: string;
  let createLeftovers: string[];
  let createOutput: string;
  let attachDir: string;

  beforeAll(async () => {
    create = await packageTemplate({});
    createDir = lastPackageDir;
    createLeftovers = lastTempLeftovers;
    createOutput = lastOutput;
    // Attach mode with the non-default parameters: V3_0 (machine-to-machine tokens) and replaceTriggers.
    attach = await packageTemplate({
      poolMode: 'attach',
      userPoolName: 'acme-users',
      userPoolId: 'us-east-1_AbC123',
      appClientIds: 'clientone,clienttwo',
      preTokenVersion: 'V3_0',
      replaceTriggers: 'true',
    });
    attachDir = lastPackageDir;
  }, 240_000);

  it('packages every function without a warning from esbuild or serverless-esbuild', () => {
    // Assess: esbuild prints `▲ [WARNING] …`, serverless-esbuild `Warning: …`; a package once printed one per
    // on-demand module and "No external modules needed".
    expect(createOutput).toContain('Service packaged');
    expect(createOutput).not.toMatch(/warning/i);
  });

  it('leaves nothing in the temporary directory it packages with', () => {
    // Assess: serverless-esbuild's zip folders are removed (patches/serverless-esbuild+1.57.2.patch)
    expect(createLeftovers).toEqual([]);
  });

  it('creates a pool on the Essentials plan with pre token generation at V2_0', () => {
    // Act
    const [[, pool] = []] = ofType(create, 'AWS::Cognito::UserPool');

    // Assess
    expect(pool?.Properties.UserPoolTier).toBe('ESSENTIALS');
    expect(pool?.Properties.LambdaConfig.PreTokenGenerationConfig).toEqual({
      LambdaArn: { 'Fn::GetAtt': ['PreTokenGenerationLambdaFunction', 'Arn'] },
      LambdaVersion: 'V2_0',
    });
    expect(pool?.Properties.Schema).toContainEqual({
      Name: 'tenantId',
      AttributeDataType: 'String',
      Mutable: true,
      StringAttributeConstraints: { MinLength: '3', MaxLength: '63' },
    });
  });

  it('gives every app client explicit attribute lists that never let users write the tenant', () => {
    // Act
    const clients = ofType(create, 'AWS::Cognito::UserPoolClient');

    // Assess
    expect(clients.length).toBeGreaterThan(0);
    for (const [, client] of clients) {
      expect(client.Properties.WriteAttributes).toEqual(expect.any(Array));
      expect(client.Properties.ReadAttributes).toEqual(expect.any(Array));
      expect(client.Properties.WriteAttributes).not.toContain('custom:tenantId');
    }
  });

  it('maps no identity provider attribute onto the tenant', () => {
    for (const template of [create, attach]) {
      for (const [, provider] of ofType(template, 'AWS::Cognito::UserPoolIdentityProvider')) {
        expect(Object.keys(provider.Properties.AttributeMapping ?? {})).not.toContain('custom:tenantId');
      }
    }
  });

  it('scopes every IAM statement to named resources', () => {
    for (const template of [create, attach]) {
      // Act
      const broad = statements(template).filter(
        (statement) =>
          JSON.stringify(statement.Resource).includes('*') &&
          !statement.Action.every((action) => UNSCOPABLE.has(action)) &&
          // A log group's streams (`log-group:/aws/lambda/<fn>:*`) are named by the function.
          !JSON.stringify(statement.Resource).includes(':log-group:/aws/lambda/cognito-tenancy-prod-') &&
          // osls's trigger-wiring resource passes roles of this account, to Cognito only (tested below).
          !(statement.Action.length === 1 && statement.Action[0] === 'iam:PassRole') &&
          // A tenant's objects: the prefix is the session tag (tenant-data-policies.test.ts evaluates it).
          JSON.stringify(statement.Resource) !== JSON.stringify({ 'Fn::Sub': TENANT_OBJECTS }) &&
          // Policy store ids are AVP's; the store is named by its TenantID tag (tenant-data-policies.test.ts).
          !(
            statement.holder === 'TenantDataAccessRole' &&
            statement.Action.every((a) => a.startsWith('verifiedpermissions:'))
          ),
      );

      // Assess
      expect(broad).toEqual([]);
    }
  });

  it('gives each function its own role with only the table actions it uses', () => {
    // Act
    const tableActions = (role: string) =>
      statements(create)
        .filter((statement) => statement.holder === role)
        .flatMap((statement) => statement.Action)
        .filter((action) => action.startsWith('dynamodb:') || action.startsWith('cognito-idp:'))
        .sort();

    // Assess
    expect(tableActions('PreTokenGenerationRole')).toEqual(['dynamodb:GetItem']);
    // Read-only: its refusals are not audited (unverified addresses could fill a tenant's trail).
    expect(tableActions('PreSignUpRole')).toEqual(['dynamodb:GetItem']);
    expect(tableActions('AuthorizerRole')).toEqual(['dynamodb:GetItem']);
    expect(tableActions('TenantMeRole')).toEqual([]);
    // The registry, read only: a tenant's policy store record and a share recipient's membership.
    expect(tableActions('DocumentsRole')).toEqual(['dynamodb:GetItem']);
    expect(tableActions('PostConfirmationRole')).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    expect(tableActions('PostConfirmationCognitoPolicy')).toEqual([
      'cognito-idp:AdminAddUserToGroup',
      'cognito-idp:AdminUpdateUserAttributes',
    ]);
    // The members API: reads, the user's memberships (Query) and the parts of its transactions.
    expect(tableActions('MembersRole')).toEqual([
      'dynamodb:ConditionCheckItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(tableActions('MembersCognitoPolicy')).toEqual([
      'cognito-idp:AdminGetUser',
      'cognito-idp:AdminUpdateUserAttributes',
    ]);
    const functions = ofType(create, 'AWS::Lambda::Function');
    expect(functions.map(([, fn]) => fn.Properties.Role['Fn::GetAtt']?.[0]).sort()).toEqual([
      'AuthorizerRole',
      'DocumentsRole',
      'MembersRole',
      'PostConfirmationRole',
      'PreSignUpRole',
      'PreTokenGenerationRole',
      'TenantMeRole',
    ]);
  });

  it('lets only the pool invoke the triggers and only the API invoke the authorizer', () => {
    // Act
    const permissions = ofType(create, 'AWS::Lambda::Permission').map(([, permission]) => permission.Properties);

    // Assess
    for (const permission of permissions) expect(permission.SourceArn).toBeDefined();
    const cognito = permissions.filter((permission) => permission.Principal === 'cognito-idp.amazonaws.com');
    expect(cognito.map((permission) => permission.SourceArn)).toEqual(
      Array(3).fill({ 'Fn::GetAtt': ['UserPool', 'Arn'] }),
    );
  });

  it('keeps every resource holding users or data on removal and replacement, but not after a failed first create', () => {
    // Act
    const kept = [
      ...ofType(create, 'AWS::Cognito::UserPool'),
      ...ofType(create, 'AWS::Cognito::UserPoolClient'),
      ...ofType(create, 'AWS::Cognito::UserPoolGroup'),
      ...ofType(create, 'AWS::DynamoDB::Table'),
      // osls's own deployment bucket is not the suite's.
      ...ofType(create, 'AWS::S3::Bucket').filter(([id]) => id !== 'ServerlessDeploymentBucket'),
    ] as [string, Resource & { DeletionPolicy?: string; UpdateReplacePolicy?: string }][];
    const [[, pool] = []] = ofType(create, 'AWS::Cognito::UserPool');

    // Assess: RetainExceptOnCreate deletes them when the stack's first create rolls back (nothing is in them
    // yet), so a retry does not fail on names that already exist; afterwards they are retained.
    expect(kept.map(([id]) => id).sort()).toEqual([
      'TenantAdminGroup',
      'TenantDataBucket',
      'TenantDataTable',
      'TenantMemberGroup',
      'TenantRegistryTable',
      'UserPool',
      'UserPoolClient',
    ]);
    for (const [id, resource] of kept) {
      expect([id, resource.DeletionPolicy, resource.UpdateReplacePolicy]).toEqual([
        id,
        'RetainExceptOnCreate',
        'Retain',
      ]);
    }
    expect(pool?.Properties.DeletionProtection).toBe('ACTIVE');
    for (const [id, table] of ofType(create, 'AWS::DynamoDB::Table')) {
      expect([id, table.Properties.DeletionProtectionEnabled]).toEqual([id, true]);
    }
    // Nothing else of the suite is retained: roles, functions and the API go with it (osls itself keeps its
    // deployment bucket and the functions' published versions).
    const retainedElsewhere = Object.entries(create.Resources)
      .filter(([id, resource]) => id !== 'ServerlessDeploymentBucket' && resource.Type !== 'AWS::Lambda::Version')
      .filter(([, resource]) => (resource as { DeletionPolicy?: string }).DeletionPolicy !== undefined)
      .map(([id]) => id);
    expect(retainedElsewhere.sort()).toEqual(kept.map(([id]) => id).sort());
  });

  it('uses Fn::Sub only where it substitutes something (cfn-lint W1020)', () => {
    // Act: every Fn::Sub string of both templates, and those without an unescaped ${…}.
    const subs: string[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value !== null && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) {
          if (key === 'Fn::Sub') subs.push(typeof inner === 'string' ? inner : String((inner as unknown[])[0]));
          walk(inner);
        }
      }
    };
    walk(create);
    walk(attach);
    const plain = subs.filter((text) => !/\$\{[^!]/.test(text));

    // Assess
    expect(subs.length).toBeGreaterThan(10);
    expect(plain).toEqual([]);
  });

  it('writes the policy variable as a literal IAM string, not one osls or CloudFormation substituted', () => {
    // Act
    const document = JSON.stringify(create.Resources.TenantDataAccessRole?.Properties.Policies);

    // Assess
    expect(document).toContain(`"dynamodb:LeadingKeys":["\${aws:PrincipalTag/TenantID}"]`);
    expect(document).toContain(`"s3:prefix":["\${aws:PrincipalTag/TenantID}/*"]`);
    expect(document).toContain(`"aws:ResourceTag/TenantID":"\${aws:PrincipalTag/TenantID}"`);
  });

  it('gives the trigger custom resource its own log group and a role limited to the pool id, the trigger functions and Cognito', () => {
    // Prepare
    const fnArn = (name: string) => ({
      'Fn::Sub': `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:cognito-tenancy-prod-${name}`,
    });
    const group = `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/cognito-tenancy-prod-custom-resource-existing-cup:*`;

    // Act
    const role = attach.Resources.IamRoleCustomResourcesLambdaExecution;
    const statements = role?.Properties.Policies.flatMap(
      (policy: { PolicyDocument: { Statement: unknown[] } }) => policy.PolicyDocument.Statement,
    );
    const logGroups = ofType(attach, 'AWS::Logs::LogGroup').map(([, resource]) => resource.Properties);

    // Assess
    expect(logGroups).toContainEqual(
      expect.objectContaining({
        LogGroupName: '/aws/lambda/cognito-tenancy-prod-custom-resource-existing-cup',
        RetentionInDays: 30,
      }),
    );
    const triggers = [fnArn('postConfirmation'), fnArn('preSignUp'), fnArn('preTokenGeneration')];
    expect(statements).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream'], Resource: { 'Fn::Sub': group } },
      { Effect: 'Allow', Action: ['logs:PutLogEvents'], Resource: { 'Fn::Sub': group } },
      {
        Effect: 'Allow',
        Action: ['cognito-idp:DescribeUserPool', 'cognito-idp:UpdateUserPool'],
        Resource: {
          'Fn::Sub': `arn:\${AWS::Partition}:cognito-idp:\${AWS::Region}:\${AWS::AccountId}:userpool/us-east-1_AbC123`,
        },
      },
      {
        Effect: 'Allow',
        Action: ['lambda:AddPermission'],
        Resource: triggers,
        Condition: { StringEquals: { 'lambda:Principal': 'cognito-idp.amazonaws.com' } },
      },
      { Effect: 'Allow', Action: ['lambda:RemovePermission'], Resource: triggers },
      {
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/*` },
        Condition: { StringEquals: { 'iam:PassedToService': 'cognito-idp.amazonaws.com' } },
      },
    ]);
  });

  it('guards every trigger custom resource with the pool id, the service functions and replaceTriggers', () => {
    // Act
    const configs = ofType(attach, 'Custom::CognitoUserPool').map(
      ([, resource]) => resource.Properties.UserPoolConfigs,
    );

    // Assess
    expect(configs).toHaveLength(3);
    for (const entries of configs) {
      expect(entries).toContainEqual({
        Guard: {
          UserPoolId: 'us-east-1_AbC123',
          ReplaceTriggers: 'true',
          Functions: {
            PreSignUp: 'cognito-tenancy-prod-preSignUp',
            PostConfirmation: 'cognito-tenancy-prod-postConfirmation',
            PreTokenGeneration: 'cognito-tenancy-prod-preTokenGeneration',
          },
        },
      });
    }
  });

  it('ships the authorizer with config/routes.json validated when it was built, not parsed at cold start', async () => {
    // Prepare
    const [, authorizer] =
      ofType(create, 'AWS::Lambda::Function').find(([, fn]) => String(fn.Properties.Handler).includes('authorizer')) ??
      [];
    const zip = join(createDir, String(authorizer?.Properties.Code.S3Key).split('/').at(-1) ?? '');

    // Act: every JavaScript file of its zip.
    const { stdout: code } = await run('unzip', ['-p', zip, '*.mjs'], { maxBuffer: 64 * 1024 * 1024 });

    // Assess: the rules as validation gives them (esbuild.config.cjs, `bundled-route-rules`), however the
    // minifier quotes the string they are parsed from.
    expect(code).toMatch(/\\?"tenantPrefix\\?":\[\\?"tenants\\?"\]/);
    expect(code).toMatch(
      /\\?"kind\\?":\\?"literal\\?",\\?"value\\?":\\?"tenants\\?"\},\{\\?"kind\\?":\\?"tenant\\?"\}/,
    );
  });

  it("ships the trigger custom resource with this project's pool code, bundled with its SDK", async () => {
    // Prepare
    const zip = join(attachDir, 'custom-resources.zip');

    // Act
    const { stdout: code } = await run('unzip', ['-p', zip, 'cognito-user-pool/handler.js'], {
      maxBuffer: 64 * 1024 * 1024,
    });
    const { stdout: files } = await run('unzip', ['-Z1', zip]);

    // Assess: osls's handler and pool code are gone; its utils.js answers CloudFormation.
    expect(code.startsWith('// cognito-tenancy: deploy/custom-resource/handler.mjs')).toBe(true);
    expect(code).toContain('--param="replaceTriggers=true"');
    expect(code).toContain('require("../utils")');
    expect(code).not.toMatch(/require\(["']@aws-sdk\/client-(cognito-identity-provider|lambda)["']\)/);
    expect(files.split('\n').filter((file) => file.startsWith('cognito-user-pool/'))).toEqual([
      'cognito-user-pool/handler.js',
    ]);
    expect(files).toContain('utils.js');
  });

  it('attaches to an existing pool with pre token generation at preTokenVersion and scopes Cognito access to it', () => {
    // Act
    const triggers = ofType(attach, 'Custom::CognitoUserPool').map(([, resource]) => resource.Properties);
    const cognitoStatements = statements(attach).filter(
      (statement) =>
        statement.holder === 'PostConfirmationCognitoPolicy' || statement.holder === 'MembersCognitoPolicy',
    );

    // Assess
    expect(triggers.map((trigger) => trigger.UserPoolName)).toEqual(['acme-users', 'acme-users', 'acme-users']);
    expect(triggers.flatMap((trigger) => trigger.UserPoolConfigs)).toContainEqual({
      Trigger: 'PreTokenGeneration',
      LambdaVersion: 'V3_0',
    });
    expect(cognitoStatements.map((statement) => statement.Resource)).toEqual(
      Array(2).fill({
        'Fn::Sub': `arn:\${AWS::Partition}:cognito-idp:\${AWS::Region}:\${AWS::AccountId}:userpool/us-east-1_AbC123`,
      }),
    );
    expect(ofType(attach, 'AWS::Cognito::UserPool')).toEqual([]);
  });

  it('deploys arm64 nodejs22.x functions with tracing and a point-in-time-recoverable registry that expires audit items', () => {
    for (const [, fn] of ofType(create, 'AWS::Lambda::Function')) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
      });
    }
    const [[, table] = []] = ofType(create, 'AWS::DynamoDB::Table');
    expect(table?.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    // Every function validates the retention setting at cold start, from the stack's parameter.
    for (const [, fn] of ofType(create, 'AWS::Lambda::Function')) {
      expect(fn.Properties.Environment.Variables.TENANCY_AUDIT_RETENTION_DAYS).toBe('365');
    }
  });

  it('expires noncurrent document versions after dataNoncurrentDays and aborts incomplete uploads after a day', () => {
    // Act
    const bucket = create.Resources.TenantDataBucket;

    // Assess
    expect(bucket?.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket?.Properties.LifecycleConfiguration.Rules).toEqual([
      {
        Id: 'expire-noncurrent-versions',
        Status: 'Enabled',
        NoncurrentVersionExpiration: { NoncurrentDays: '30' },
        ExpiredObjectDeleteMarker: true,
      },
      { Id: 'abort-incomplete-uploads', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
    ]);
    expect(bucket).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
  });

  it('ships each function as an ES module bundle named by its handler, with only its own chunks', () => {
    // Prepare: the zip's central directory lists every file name in plain text.
    const handlers = ofType(create, 'AWS::Lambda::Function').map(([, fn]) => fn.Properties.Handler as string);

    const files = handlers.map((handler) => handler.slice(0, handler.lastIndexOf('.')));

    // Act
    const zips = ofType(create, 'AWS::Lambda::Function').map(([, fn]) =>
      readFileSync(join(createDir, (fn.Properties.Code.S3Key as string).split('/').at(-1) ?? '')),
    );

    // Assess: its own `.mjs` handler in each, and no other function's chunks.
    expect(handlers.length).toBe(7);
    zips.forEach((zip, i) => {
      const own = files[i] ?? '';
      expect(zip.includes(`${own}.mjs`)).toBe(true);
      for (const other of files.filter((file) => file !== own)) {
        expect(zip.includes(`functions/chunks/${other.split('/').at(-1)}/`)).toBe(false);
      }
    });
  });

  it("refuses an unknown pool mode with the plugin's own message", async () => {
    // Act
    const failure = await packageTemplate({ poolMode: 'attch' }).catch(
      (error: { stdout?: string; stderr?: string }) => `${error.stdout}${error.stderr}`,
    );

    // Assess
    expect(failure).toMatch(/poolMode must be "create" or "attach", got "attch"/);
    expect(failure).not.toMatch(/Cannot resolve|\n\s+at /);
  });

  it('refuses attach mode without the pool it should attach to', async () => {
    // Act
    const failure = await packageTemplate({ poolMode: 'attach', userPoolName: 'acme-users' }).catch(
      (error: { stdout?: string; stderr?: string }) => `${error.stdout}${error.stderr}`,
    );

    // Assess
    expect(failure).toMatch(/poolMode=attach needs --param for: userPoolId, appClientIds/);
  });
});
