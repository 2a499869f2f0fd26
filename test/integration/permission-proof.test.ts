import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageTemplate, type Template } from '../support/package-template';
import {
  CARRIED_NOT_SENT,
  describeMissing,
  type ProofResult,
  provePermissions,
  rolePolicies,
  TRANSACTION_PARTS,
} from '../support/permission-proof';

// The four packagings the proof runs over: both pool modes, both pre token generation versions.
const ATTACH = {
  poolMode: 'attach',
  userPoolName: 'acme-users',
  userPoolId: 'us-east-1_AbC123',
  appClientIds: 'clientone,clienttwo',
};
const VARIANTS: Record<string, Record<string, string>> = {
  'create, V2_0': {},
  'create, V3_0': { preTokenVersion: 'V3_0' },
  'attach, V2_0': ATTACH,
  'attach, V3_0': { ...ATTACH, preTokenVersion: 'V3_0', replaceTriggers: 'true' },
};
const FUNCTIONS = [
  'authorizer',
  'documents',
  'members',
  'postConfirmation',
  'preSignUp',
  'preTokenGeneration',
  'tenantMe',
];
const CUSTOM_RESOURCE = 'customDashresourceDashexistingDashcup';

const packaged: Record<string, { template: Template; dir: string; params: Record<string, string> }> = {};
const proofs: Record<string, ProofResult> = {};

beforeAll(async () => {
  for (const [name, params] of Object.entries(VARIANTS)) {
    const { template, dir } = await packageTemplate(params);
    packaged[name] = { template, dir, params };
    proofs[name] = await provePermissions(template, dir, params);
  }
}, 600_000);

/** A deep copy of a packaged template, for a control that edits it. */
const copy = (name: string) => structuredClone(packaged[name]?.template) as Template;
const prove = (name: string, template: Template, declarations = {}) => {
  const { dir, params } = packaged[name] ?? { dir: '', params: {} };
  return provePermissions(template, dir, params, declarations);
};
// biome-ignore lint/suspicious/noExplicitAny: a template's policy statements, edited by the controls.
type Statement = Record<string, any>;
const statementsOf = (template: Template, id: string): Statement[] => {
  const resource = template.Resources[id];
  if (resource === undefined) throw new Error(`no ${id}`);
  return resource.Type === 'AWS::IAM::Policy'
    ? resource.Properties.PolicyDocument.Statement
    : resource.Properties.Policies[0].PolicyDocument.Statement;
};

// Each control evaluates every call of a template again (~60 policy evaluations): seconds on a busy machine.
describe('permission completeness proof (packaged templates, real bundles, IAM policy engine)', {
  timeout: 120_000,
}, () => {
  it.each(Object.keys(VARIANTS))(
    'lets every role make every call its functions make, and nothing more (%s)',
    (name) => {
      // Act
      const proof = proofs[name];

      // Assess
      expect(describeMissing(proof?.missing ?? [])).toEqual([]);
      expect(proof?.excess).toEqual({});
    },
  );

  it('derives the calls of every function, the custom resource in attach mode and the tenant role as documents uses it', () => {
    // Act
    const functionsOf = (name: string) => [...new Set(proofs[name]?.calls.map((call) => call.function))].sort();
    const rolesOf = (name: string) => [...new Set(proofs[name]?.calls.map((call) => call.role))].sort();
    const figures = Object.fromEntries(Object.keys(VARIANTS).map((name) => [name, proofs[name]?.calls.length]));

    // Assess
    expect(functionsOf('create, V2_0')).toEqual(FUNCTIONS);
    expect(functionsOf('attach, V3_0')).toEqual([...FUNCTIONS, CUSTOM_RESOURCE].sort());
    expect(rolesOf('attach, V2_0')).toEqual([
      'AuthorizerRole',
      'DocumentsRole',
      'IamRoleCustomResourcesLambdaExecution',
      'MembersRole',
      'PostConfirmationRole',
      'PreSignUpRole',
      'PreTokenGenerationRole',
      'TenantDataAccessRole',
      'TenantMeRole',
    ]);
    // Every function: its log group (2 calls) and active tracing (2 calls) at least.
    for (const count of Object.values(figures)) expect(count).toBeGreaterThanOrEqual(FUNCTIONS.length * 4);
  });

  it('reads the SDK commands from the packaged code: exactly the four the custom resource sends, the Cognito calls of post confirmation', () => {
    // Act
    const operations = proofs['attach, V2_0']?.operations ?? {};

    // Assess
    expect(operations[CUSTOM_RESOURCE]).toEqual([
      'cognito-idp:DescribeUserPool',
      'cognito-idp:UpdateUserPool',
      'lambda:AddPermission',
      'lambda:RemovePermission',
    ]);
    expect(operations.postConfirmation).toEqual(
      expect.arrayContaining(['cognito-idp:AdminAddUserToGroup', 'cognito-idp:AdminUpdateUserAttributes']),
    );
    expect(operations.tenantMe).toEqual([]);
    // The documents function decides list pages with BatchIsAuthorized (its AVP chunk), which IAM authorizes as
    // IsAuthorized on the tenant's store: the proof evaluates it as that call of the tenant session.
    expect(operations.documents).toEqual(
      expect.arrayContaining([
        'verifiedpermissions:BatchIsAuthorized',
        'verifiedpermissions:CreatePolicy',
        'verifiedpermissions:IsAuthorized',
      ]),
    );
    expect(
      proofs['attach, V2_0']?.calls
        .filter((call) => call.because === 'sends verifiedpermissions:BatchIsAuthorized')
        .map((call) => [call.role, call.action]),
    ).toEqual([['TenantDataAccessRole', 'verifiedpermissions:IsAuthorized']]);
  });

  it('catches a removed statement: TenantMeRole without X-Ray, and says what to add', async () => {
    // Prepare: the state this issue found (Lambda refuses to create a traced function whose role cannot trace).
    const template = copy('create, V2_0');
    const statements = statementsOf(template, 'TenantMeRole');
    statements.splice(
      statements.findIndex((statement) => [statement.Action].flat().includes('xray:PutTraceSegments')),
      1,
    );

    // Act
    const proof = await prove('create, V2_0', template);

    // Assess
    expect(describeMissing(proof.missing)).toEqual([
      'tenantMe TracingConfig Active → add to TenantMeRole: Allow xray:PutTraceSegments on *',
      'tenantMe TracingConfig Active → add to TenantMeRole: Allow xray:PutTelemetryRecords on *',
    ]);
  });

  it("catches a removed statement in attach mode: post confirmation's Cognito policy on the configured pool", async () => {
    // Prepare
    const template = copy('attach, V2_0');
    statementsOf(template, 'PostConfirmationCognitoPolicy').splice(0, 1);

    // Act
    const proof = await prove('attach, V2_0', template);

    // Assess
    const pool = 'arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC123';
    expect(describeMissing(proof.missing)).toEqual([
      `postConfirmation sends cognito-idp:AdminAddUserToGroup → add to PostConfirmationRole: Allow cognito-idp:AdminAddUserToGroup on ${pool}`,
      `postConfirmation sends cognito-idp:AdminUpdateUserAttributes → add to PostConfirmationRole: Allow cognito-idp:AdminUpdateUserAttributes on ${pool}`,
    ]);
  });

  it("catches a custom resource that may not pass the pool's SMS role to Cognito, and a tenant role without its items", async () => {
    // Prepare
    const attach = copy('attach, V2_0');
    const passRole = statementsOf(attach, 'IamRoleCustomResourcesLambdaExecution').find((statement) =>
      [statement.Action].flat().includes('iam:PassRole'),
    );
    if (passRole !== undefined) passRole.Condition.StringEquals['iam:PassedToService'] = 'sns.amazonaws.com';
    const create = copy('create, V2_0');
    const items = statementsOf(create, 'TenantDataAccessRole').find((statement) => statement.Sid === 'TenantItems');
    if (items !== undefined) items.Action = items.Action.filter((action: string) => action !== 'dynamodb:Query');

    // Act
    const attachProof = await prove('attach, V2_0', attach);
    const createProof = await prove('create, V2_0', create);

    // Assess
    expect(attachProof.missing.map((m) => `${m.role} ${m.action}`)).toEqual([
      'IamRoleCustomResourcesLambdaExecution iam:PassRole',
    ]);
    expect(createProof.missing.map((m) => `${m.function} ${m.role} ${m.action} ${JSON.stringify(m.context)}`)).toEqual([
      'documents TenantDataAccessRole dynamodb:Query {"aws:PrincipalTag/TenantID":"acme","dynamodb:LeadingKeys":["acme"]}',
    ]);
  });

  it('catches an action no call needs (nothing more than needed)', async () => {
    // Prepare
    const template = copy('create, V2_0');
    statementsOf(template, 'PreSignUpRole').push({ Effect: 'Allow', Action: ['dynamodb:Scan'], Resource: '*' });

    // Act
    const proof = await prove('create, V2_0', template);

    // Assess
    expect(proof.excess).toEqual({ PreSignUpRole: ['dynamodb:Scan'] });
  });

  it('covers a function added later without any declaration: it fails, listing every statement to add', async () => {
    // Prepare: a new function reusing post confirmation's bundle, with a role that holds nothing.
    const template = copy('create, V2_0');
    const source = template.Resources.PostConfirmationLambdaFunction;
    template.Resources.MembershipsLambdaFunction = {
      ...structuredClone(source),
      Properties: {
        ...structuredClone(source?.Properties),
        FunctionName: 'cognito-tenancy-prod-memberships',
        Role: { 'Fn::GetAtt': ['MembershipsRole', 'Arn'] },
      },
    } as Template['Resources'][string];
    template.Resources.MembershipsRole = { Type: 'AWS::IAM::Role', Properties: { Policies: [] } };

    // Act
    const undeclared = await prove('create, V2_0', template).catch((error: Error) => error.message);
    const declared = await prove('create, V2_0', template, {
      transactionParts: { ...TRANSACTION_PARTS, memberships: ['dynamodb:PutItem'] },
    });

    // Assess: a transaction cannot be mapped to IAM without its parts, so the proof asks for them.
    expect(undeclared).toContain('memberships sends dynamodb:TransactWriteItems: declare the actions of its parts');
    const registry = 'arn:aws:dynamodb:us-east-1:123456789012:table/cognito-tenancy-prod-registry';
    expect(describeMissing(declared.missing).filter((line) => line.startsWith('memberships '))).toEqual([
      'memberships its log group /aws/lambda/cognito-tenancy-prod-memberships → add to MembershipsRole: Allow logs:CreateLogStream on arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/cognito-tenancy-prod-memberships:log-stream:2026/12/04/[$LATEST]0123456789abcdef',
      'memberships its log group /aws/lambda/cognito-tenancy-prod-memberships → add to MembershipsRole: Allow logs:PutLogEvents on arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/cognito-tenancy-prod-memberships:log-stream:2026/12/04/[$LATEST]0123456789abcdef',
      'memberships its log group, which the stack does not create → add to MembershipsRole: Allow logs:CreateLogGroup on arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/cognito-tenancy-prod-memberships',
      'memberships TracingConfig Active → add to MembershipsRole: Allow xray:PutTraceSegments on *',
      'memberships TracingConfig Active → add to MembershipsRole: Allow xray:PutTelemetryRecords on *',
      'memberships sends cognito-idp:AdminAddUserToGroup → add to MembershipsRole: Allow cognito-idp:AdminAddUserToGroup on arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Created0',
      'memberships sends cognito-idp:AdminGetUser → add to MembershipsRole: Allow cognito-idp:AdminGetUser on arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Created0',
      'memberships sends cognito-idp:AdminUpdateUserAttributes → add to MembershipsRole: Allow cognito-idp:AdminUpdateUserAttributes on arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Created0',
      `memberships sends dynamodb:GetItem → add to MembershipsRole: Allow dynamodb:GetItem on ${registry}`,
      `memberships sends dynamodb:PutItem → add to MembershipsRole: Allow dynamodb:PutItem on ${registry}`,
      `memberships sends dynamodb:TransactWriteItems → add to MembershipsRole: Allow dynamodb:PutItem on ${registry}`,
    ]);
  });

  it('refuses a stale declaration: an operation declared carried-but-not-sent that the bundle does not carry', async () => {
    // Act
    const message = await prove('create, V2_0', copy('create, V2_0'), {
      carriedNotSent: { ...CARRIED_NOT_SENT, tenantMe: { 'dynamodb:Scan': 'no longer true' } },
    }).catch((error: Error) => error.message);

    // Assess
    expect(message).toContain('tenantMe: dynamodb:Scan is declared carried-not-sent but not carried');
  });

  it("matches docs/deploy.md's Roles table: each role's actions beyond logs and X-Ray, in both modes", () => {
    // Prepare: the table's rows, `role` → the actions the row names.
    const docs = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'deploy.md'), 'utf8');
    const section = docs.slice(docs.indexOf('## Roles'), docs.indexOf('## Parameters'));
    const documented = Object.fromEntries(
      [...section.matchAll(/^\| `(\w+)`[^|]*\| (.*) \|$/gm)].map(([, role, cell]) => [
        role,
        [...(cell ?? '').matchAll(/`([a-z0-9-]+:[A-Za-z]+)`/g)].map(([, action]) => action).sort(),
      ]),
    );
    const platform = /^(logs|xray):/;

    // Act
    const granted: Record<string, string[]> = {};
    for (const name of ['create, V2_0', 'attach, V2_0']) {
      const template = packaged[name]?.template as Template;
      for (const [id, resource] of Object.entries(template.Resources)) {
        if (resource.Type !== 'AWS::IAM::Role') continue;
        const actions = rolePolicies(template, id)
          .flatMap((document) => document.Statement.flatMap((statement) => [statement.Action ?? []].flat()))
          .filter((action) => !platform.test(action));
        granted[id] = [...new Set([...(granted[id] ?? []), ...actions])].sort();
      }
    }

    // Assess
    expect(Object.keys(documented).sort()).toEqual(Object.keys(granted).sort());
    expect(documented).toEqual(granted);
  });
});
