/**
 * The permission completeness proof: for every Lambda function of a packaged template, what it can call, and
 * whether its role allows exactly that.
 *
 * What a function can call is derived, not listed: the SDK commands its packaged bundle carries (the source
 * maps' `sources` of the zip `serverless package` wrote, i.e. the real esbuild output after tree-shaking; for a
 * bundle without maps, the command classes in its code), plus what the Lambda platform does with its role (its
 * log group, X-Ray when tracing is Active, ENIs with a VPC, KMS with a key, its dead-letter target). Where a
 * call goes (which role, which resource, which request context) follows a rule per service, evaluated from the
 * template; the only declarations are the exceptions below, each with its reason. A function nobody declared
 * anything for is covered by the rules: add a function and the proof checks it.
 *
 * Each call is evaluated with the IAM policy engine (`@cloud-copilot/iam-simulate`) against the role's
 * identity policies as packaged (inline policies and the `AWS::IAM::Policy` resources attached to it).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { Resource, Template } from './package-template';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const BUCKET = 'tenant-data-bucket';
const CREATED_POOL_ID = `${REGION}_Created0`;
/** The tenant a tenant-scoped session is evaluated for. */
const TENANT = 'acme';

type Json = unknown;
type Context = Record<string, string | string[]>;

/** One call a function makes: with which role, what action, on what, with which request context. */
export interface Call {
  readonly function: string;
  readonly role: string;
  readonly action: string;
  readonly resource: string;
  readonly context: Context;
  /** Why the function makes it: the SDK operation, or the platform need. */
  readonly because: string;
  /** The principal: the role's own session, or a tenant-scoped session of it. */
  readonly principal: string;
}

/** A call the role does not allow, with the statement that would allow it. */
export interface Missing extends Call {
  readonly add: string;
}

/** The proof over one packaged template. */
export interface ProofResult {
  readonly calls: readonly Call[];
  readonly missing: readonly Missing[];
  /** Role → actions it allows that no call needs and no allowance explains. */
  readonly excess: Readonly<Record<string, readonly string[]>>;
  /** Function → SDK operations its bundle carries. */
  readonly operations: Readonly<Record<string, readonly string[]>>;
}

/** IAM prefixes of the SDK client packages (`@aws-sdk/client-<name>`) and service ids (makeBuilder's 2nd arg). */
const CLIENT_PREFIX: Record<string, string> = {
  dynamodb: 'dynamodb',
  s3: 's3',
  sts: 'sts',
  'cognito-identity-provider': 'cognito-idp',
  verifiedpermissions: 'verifiedpermissions',
  lambda: 'lambda',
};
const SERVICE_ID_PREFIX: Record<string, string> = {
  DynamoDB_20120810: 'dynamodb',
  AmazonS3: 's3',
  AWSSecurityTokenServiceV20110615: 'sts',
  AWSCognitoIdentityProviderService: 'cognito-idp',
  VerifiedPermissions: 'verifiedpermissions',
  AWSGirApiService: 'lambda',
};

/** Operations the SDK defines but never sends in these functions' configuration, whatever the bundle carries. */
const NEVER_SENT: Record<string, string> = {
  'dynamodb:DescribeEndpoints':
    'endpoint discovery, off by default for DynamoDB (endpointDiscoveryEnabled) and never turned on here',
  's3:CreateSession':
    'S3 Express One Zone sessions, for directory buckets only; the data bucket is a general purpose bucket',
};

// Functions that only read the registry (pre sign-up, pre token generation, the authorizer, documents) construct
// `RegistryReader` (shared/registry/registry-reader.ts, GetItem only), so their bundles carry none of the
// registry's writes: `TenantRegistry`'s write methods are not tree-shaken (class methods), and made each of them
// carry PutItem and TransactWriteItems it never sent.

/**
 * SDK operations a function's bundle carries that the function never sends (by its `serverless.yml` key).
 * An entry the bundle no longer carries fails the proof, so the list cannot go stale.
 */
export const CARRIED_NOT_SENT: Record<string, Record<string, string>> = {
  // TenantDirectory (shared/cognito/tenant-directory.ts) is one class: its look-up by e-mail serves the members API
  // and invitations, its group write the first membership (post confirmation).
  postConfirmation: { 'cognito-idp:AdminGetUser': 'TenantDirectory.getUser: the members API looks users up by e-mail' },
  members: {
    'cognito-idp:AdminAddUserToGroup':
      "TenantDirectory.addToGroup: only a user's first membership is mirrored into a group (post confirmation)",
  },
};

/** `TransactWriteItems` has no IAM action of its own: IAM checks the action of each part it writes. */
export const TRANSACTION_PARTS: Record<string, readonly string[]> = {
  // Membership and user items (PutItem), the tenant's seat count (UpdateItem); self-service tenant (PutItem).
  postConfirmation: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
  // Membership writes (shared/registry/membership-registry.ts): the membership and its reverse item (Put, Update,
  // Delete), the tenant's seat and admin counts (Update), the guards on tenant status and the last admin
  // (ConditionCheck); the audit item (Put).
  members: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'],
};

/**
 * Functions that reach tenant data through tenant-scoped credentials (the role named by TENANCY_DATA_ROLE_ARN,
 * assumed with the session tag TenantID): their data calls (DynamoDB, S3, Verified Permissions) are made with
 * that session; `own` lists the calls made with the function's own role (on the registry).
 */
const TENANT_SCOPED: Record<string, { readonly own: readonly string[] }> = {
  documents: { own: ['dynamodb:GetItem'] },
};

/** The proof's declarations (the exceptions to its rules); tests of the proof itself pass their own. */
export interface Declarations {
  readonly carriedNotSent: Record<string, Record<string, string>>;
  readonly transactionParts: Record<string, readonly string[]>;
  readonly tenantScoped: Record<string, { readonly own: readonly string[] }>;
}

const DECLARATIONS: Declarations = {
  carriedNotSent: CARRIED_NOT_SENT,
  transactionParts: TRANSACTION_PARTS,
  tenantScoped: TENANT_SCOPED,
};

/** Actions a role allows beyond what its functions call, by role, with why. */
const ALLOWANCES: Record<string, Record<string, string>> = {
  // The ABAC role is the pattern's (docs/credentials.md), for any tenant-scoped service: every
  // item action on the tenant's own partition, and listing its own prefix. The sample service uses a subset.
  TenantDataAccessRole: Object.fromEntries(
    [
      'dynamodb:BatchGetItem',
      'dynamodb:UpdateItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:ConditionCheckItem',
      's3:ListBucket',
    ].map((action) => [action, "the tenant data pattern's item and listing actions, for any tenant-scoped service"]),
  ),
};

/** Every SDK operation (`prefix:Operation`) the packaged code of a function can send. */
function bundledOperations(zip: string, handler: string): string[] {
  const files = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const handlerFile = handler.slice(0, handler.lastIndexOf('.'));
  const code = files.find((file) => /\.(mjs|cjs|js)$/.test(file) && file.replace(/\.[^.]+$/, '') === handlerFile);
  if (code === undefined) throw new Error(`${zip} holds no file for handler ${handler}`);
  const read = (file: string) => execFileSync('unzip', ['-p', zip, file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const found = new Set<string>();
  if (files.includes(`${code}.map`)) {
    // A function's zip holds only its own entry and chunks (serverless-package.test.ts): every map is its code.
    for (const map of files.filter((file) => file.endsWith('.map'))) {
      for (const source of (JSON.parse(read(map)) as { sources: string[] }).sources) {
        if (/@aws-sdk\/client-[^/]+\/dist-cjs\//.test(source)) {
          throw new Error(
            `${zip} bundles an SDK client's CommonJS build (${source}): its commands cannot be told apart`,
          );
        }
        const match = /@aws-sdk\/client-([^/]+)\/dist-es\/commands\/(\w+)Command\.js$/.exec(source);
        if (match === null) continue;
        const prefix = CLIENT_PREFIX[match[1] ?? ''];
        if (prefix === undefined)
          throw new Error(`no IAM prefix for @aws-sdk/client-${match[1]}: add it to CLIENT_PREFIX`);
        found.add(`${prefix}:${match[2]}`);
      }
    }
  } else {
    // One unminified file (the custom resource): `x = makeBuilder(params, "ServiceId", …)`, `extends x(…, "Op", …)`.
    const text = read(code);
    const builders = new Map<string, string>();
    for (const [, name, id] of text.matchAll(/([\w$]+) = makeBuilder\([\w$]+, "(\w+)"/g)) {
      const prefix = SERVICE_ID_PREFIX[id ?? ''];
      if (prefix === undefined) throw new Error(`no IAM prefix for SDK service ${id}: add it to SERVICE_ID_PREFIX`);
      builders.set(name ?? '', prefix);
    }
    for (const [, builder, operation] of text.matchAll(/extends ([\w$]+)\([\w$]+, [\w$]+, "(\w+)"/g)) {
      const prefix = builders.get(builder ?? '');
      if (prefix === undefined) throw new Error(`${zip}: command ${operation} of an unknown builder ${builder}`);
      found.add(`${prefix}:${operation}`);
    }
    if (/require\("@aws-sdk\/client-/.test(text)) throw new Error(`${zip} loads an SDK client it does not bundle`);
  }
  return [...found].sort();
}

/** Resolves the intrinsic functions of a template to fixed evaluation values (account, region, names). */
function templateResolver(template: Template): (value: Json) => Json {
  const resources = template.Resources;
  const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT };
  const get = (id: string): Resource => {
    const resource = resources[id];
    if (resource === undefined) throw new Error(`the template has no ${id}`);
    return resource;
  };
  const ref = (id: string): string => {
    if (pseudo[id] !== undefined) return pseudo[id];
    const resource = get(id);
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
        return resource.Properties.TableName;
      case 'AWS::S3::Bucket':
        return BUCKET;
      case 'AWS::Cognito::UserPool':
        return CREATED_POOL_ID;
      case 'AWS::Lambda::Function':
        return resource.Properties.FunctionName;
      default:
        return id;
    }
  };
  const arn = (id: string): string => {
    const resource = get(id);
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
        return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${resource.Properties.TableName}`;
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${BUCKET}`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${ACCOUNT}:role/${id}`;
      case 'AWS::Cognito::UserPool':
        return `arn:aws:cognito-idp:${REGION}:${ACCOUNT}:userpool/${CREATED_POOL_ID}`;
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${resource.Properties.FunctionName}`;
      default:
        throw new Error(`no ARN rule for ${id} (${resource.Type})`);
    }
  };
  const sub = (text: string, variables: Record<string, string>) =>
    text.replace(/\$\{(!?)([^}]+)\}/g, (_, escaped: string, name: string) => {
      if (escaped === '!') return `\${${name}}`;
      if (variables[name] !== undefined) return variables[name];
      const [id, attribute] = name.split('.');
      return attribute === undefined ? ref(name) : arn(id ?? '');
    });
  const resolve = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') return value;
    const object = value as Record<string, Json>;
    if ('Ref' in object) return ref(String(object.Ref));
    if ('Fn::GetAtt' in object) return arn((object['Fn::GetAtt'] as string[])[0] ?? '');
    if ('Fn::Sub' in object) {
      const argument = object['Fn::Sub'];
      if (typeof argument === 'string') return sub(argument, {});
      const [text, variables] = argument as [string, Record<string, Json>];
      return sub(text, Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(resolve(v))])));
    }
    if ('Fn::Join' in object) {
      const [delimiter, parts] = object['Fn::Join'] as [string, Json[]];
      return parts.map((part) => String(resolve(part))).join(delimiter);
    }
    return Object.fromEntries(Object.entries(object).map(([key, inner]) => [key, resolve(inner)]));
  };
  return resolve;
}

type Statement = { Effect: string; Action?: string | string[]; NotAction?: unknown; Resource?: Json };
type PolicyDocument = { Statement: Statement[] };

/** Every identity policy of a role: inline, and the `AWS::IAM::Policy` resources that name it. */
export function rolePolicies(template: Template, role: string): PolicyDocument[] {
  const resource = template.Resources[role];
  if (resource?.Type !== 'AWS::IAM::Role') throw new Error(`${role} is not a role of the template`);
  if ((resource.Properties.ManagedPolicyArns ?? []).length > 0) {
    throw new Error(`${role} has managed policies, which the proof cannot read: use inline statements`);
  }
  const inline = ((resource.Properties.Policies ?? []) as { PolicyDocument: PolicyDocument }[]).map(
    (p) => p.PolicyDocument,
  );
  const attached = Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => (r.Properties.Roles as Json[]).some((ref) => JSON.stringify(ref) === JSON.stringify({ Ref: role })))
    .map((r) => r.Properties.PolicyDocument as PolicyDocument);
  return [...inline, ...attached];
}

/** The pool the functions act on: the created pool, or the configured one in attach mode. */
function poolArn(params: Record<string, string>): string {
  const id = params.poolMode === 'attach' ? params.userPoolId : CREATED_POOL_ID;
  return `arn:aws:cognito-idp:${REGION}:${ACCOUNT}:userpool/${id}`;
}

/** The calls of every Lambda function of a packaged template (`dir` holds its zips). */
function derivedCalls(
  template: Template,
  dir: string,
  params: Record<string, string>,
  declarations: Declarations = DECLARATIONS,
): { calls: Call[]; operations: Record<string, string[]>; stale: string[] } {
  const { carriedNotSent, transactionParts, tenantScoped } = declarations;
  const resolve = templateResolver(template);
  const calls: Call[] = [];
  const operations: Record<string, string[]> = {};
  const stale: string[] = [];
  const functions = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
  const tables = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::DynamoDB::Table');
  const tableArn = (name: unknown) => {
    const found = tables.find(([, table]) => table.Properties.TableName === name);
    if (found === undefined) throw new Error(`no table named ${String(name)} in the template`);
    return resolve({ 'Fn::GetAtt': [found[0], 'Arn'] }) as string;
  };
  for (const [id, fn] of functions) {
    const props = fn.Properties;
    const name = id.replace(/LambdaFunction$/, '').replace(/^./, (c) => c.toLowerCase());
    const roleRef = props.Role?.['Fn::GetAtt']?.[0] as string | undefined;
    if (roleRef === undefined) throw new Error(`${id}: its role is not a role of this template`);
    const own = `arn:aws:sts::${ACCOUNT}:assumed-role/${roleRef}/${props.FunctionName}`;
    const env = (props.Environment?.Variables ?? {}) as Record<string, Json>;
    const add = (call: Omit<Call, 'function' | 'principal' | 'role'> & { role?: string; principal?: string }) =>
      calls.push({ function: name, role: roleRef, principal: own, ...call });

    // The platform: logs, traces, network interfaces, keys, dead letters.
    const group = props.LoggingConfig?.LogGroup ?? `/aws/lambda/${props.FunctionName}`;
    const stream = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${group}:log-stream:2026/12/04/[$LATEST]0123456789abcdef`;
    for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
      add({ action, resource: stream, context: {}, because: `its log group ${group}` });
    }
    const groupInTemplate = Object.values(template.Resources).some(
      (r) => r.Type === 'AWS::Logs::LogGroup' && r.Properties.LogGroupName === group,
    );
    if (!groupInTemplate) {
      add({
        action: 'logs:CreateLogGroup',
        resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${group}`,
        context: {},
        because: 'its log group, which the stack does not create',
      });
    }
    if (props.TracingConfig?.Mode === 'Active') {
      for (const action of ['xray:PutTraceSegments', 'xray:PutTelemetryRecords']) {
        add({ action, resource: '*', context: {}, because: 'TracingConfig Active' });
      }
    }
    if (props.VpcConfig !== undefined) {
      for (const action of [
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ]) {
        add({ action, resource: '*', context: {}, because: 'VpcConfig (its network interfaces)' });
      }
    }
    if (props.KmsKeyArn !== undefined) {
      add({ action: 'kms:Decrypt', resource: String(resolve(props.KmsKeyArn)), context: {}, because: 'KmsKeyArn' });
    }
    const deadLetter = props.DeadLetterConfig?.TargetArn;
    if (deadLetter !== undefined) {
      const target = String(resolve(deadLetter));
      const action = target.startsWith('arn:aws:sqs:') ? 'sqs:SendMessage' : 'sns:Publish';
      add({ action, resource: target, context: {}, because: 'DeadLetterConfig' });
    }

    // The SDK operations its bundle carries.
    const zip = join(dir, String(props.Code.S3Key).split('/').at(-1) ?? '');
    const carried = bundledOperations(zip, props.Handler);
    operations[name] = carried;
    const notSent = carriedNotSent[name] ?? {};
    for (const operation of Object.keys(notSent)) {
      if (!carried.includes(operation))
        stale.push(`${name}: ${operation} is declared carried-not-sent but not carried`);
    }
    const scoped = tenantScoped[name];
    for (const operation of carried) {
      if (NEVER_SENT[operation] !== undefined || notSent[operation] !== undefined) continue;
      const [service] = operation.split(':');
      const because = `sends ${operation}`;
      if (scoped !== undefined && ['dynamodb', 's3', 'verifiedpermissions'].includes(service ?? '')) {
        for (const call of tenantCalls(operation, env, resolve, tableArn, template, transactionParts)) {
          calls.push({ function: name, because, ...call });
        }
        if (!scoped.own.includes(operation)) continue;
      }
      for (const call of ownCalls(name, operation, env, resolve, tableArn, params, template, transactionParts))
        add({ because, ...call });
    }
  }
  return { calls, operations, stale };
}

/** The IAM actions of one SDK operation: the same name, except where IAM authorizes it as other actions. */
function actionsOf(name: string, operation: string, transactionParts: Declarations['transactionParts']): string[] {
  if (operation === 'dynamodb:TransactWriteItems') {
    const parts = transactionParts[name];
    if (parts === undefined) {
      throw new Error(
        `${name} sends dynamodb:TransactWriteItems: declare the actions of its parts in TRANSACTION_PARTS ` +
          '(or, if it never sends it, in CARRIED_NOT_SENT)',
      );
    }
    return [...parts];
  }
  const renamed: Record<string, string[]> = {
    's3:ListObjectsV2': ['s3:ListBucket'],
    's3:HeadObject': ['s3:GetObject'],
    's3:DeleteObjects': ['s3:DeleteObject'],
    's3:CopyObject': ['s3:GetObject', 's3:PutObject'],
    // "The BatchIsAuthorized operation doesn't have its own IAM permission. To authorize this operation for AWS
    // principals, include the permission verifiedpermissions:IsAuthorized in their IAM policies."
    // (https://docs.aws.amazon.com/verifiedpermissions/latest/apireference/API_BatchIsAuthorized.html)
    'verifiedpermissions:BatchIsAuthorized': ['verifiedpermissions:IsAuthorized'],
  };
  return renamed[operation] ?? [operation];
}

/** A call with the function's own role, on the resource its service's rule names. */
function ownCalls(
  name: string,
  operation: string,
  env: Record<string, Json>,
  resolve: (value: Json) => Json,
  tableArn: (name: unknown) => string,
  params: Record<string, string>,
  template: Template,
  transactionParts: Declarations['transactionParts'],
): Omit<Call, 'function' | 'principal' | 'role' | 'because'>[] {
  const [service] = operation.split(':');
  const actions = actionsOf(name, operation, transactionParts);
  switch (service) {
    case 'dynamodb':
      // The registry (TENANCY_TABLE_NAME, every function has it).
      return actions.map((action) => ({ action, resource: tableArn(env.TENANCY_TABLE_NAME), context: {} }));
    case 'cognito-idp': {
      const calls = actions.map((action) => ({ action, resource: poolArn(params), context: {} }));
      // UpdateUserPool hands the pool's SMS role back to Cognito: iam:PassRole to Cognito.
      if (operation === 'cognito-idp:UpdateUserPool') {
        calls.push({
          action: 'iam:PassRole',
          resource: `arn:aws:iam::${ACCOUNT}:role/acme-cognito-sms`,
          context: { 'iam:PassedToService': 'cognito-idp.amazonaws.com' },
        });
      }
      return calls;
    }
    case 'sts': {
      const role = env.TENANCY_DATA_ROLE_ARN;
      if (role === undefined) throw new Error(`${name} sends ${operation} but names no role (TENANCY_DATA_ROLE_ARN)`);
      // The session carries the TenantID tag: AssumeRole with tags needs sts:TagSession too.
      const context = { 'aws:RequestTag/TenantID': TENANT, 'aws:TagKeys': ['TenantID'] };
      return [...actions, 'sts:TagSession'].map((action) => ({ action, resource: String(resolve(role)), context }));
    }
    case 'lambda': {
      // The attach-mode custom resource: the service's trigger functions named by its guard.
      return actions.flatMap((action) =>
        triggerFunctions(template).map((fn) => ({
          action,
          resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn}`,
          context: (action === 'lambda:AddPermission'
            ? { 'lambda:Principal': 'cognito-idp.amazonaws.com' }
            : {}) as Context,
        })),
      );
    }
    default:
      throw new Error(
        `${name} sends ${operation}: the proof has no resource rule for ${service} (add one to ownCalls)`,
      );
  }
}

/** The functions the attach-mode custom resources wire into the pool (their guard entries). */
function triggerFunctions(template: Template): string[] {
  const names = Object.values(template.Resources)
    .filter((resource) => resource.Type === 'Custom::CognitoUserPool')
    .flatMap((resource) => resource.Properties.UserPoolConfigs as { Guard?: { Functions: Record<string, string> } }[])
    .flatMap((entry) => Object.values(entry.Guard?.Functions ?? {}));
  return [...new Set(names)].sort();
}

/** Data calls with the tenant role's session for tenant `acme`, on that tenant's items, objects and store. */
function tenantCalls(
  operation: string,
  env: Record<string, Json>,
  resolve: (value: Json) => Json,
  tableArn: (name: unknown) => string,
  template: Template,
  transactionParts: Declarations['transactionParts'],
): Omit<Call, 'function' | 'because'>[] {
  const roleArn = String(resolve(env.TENANCY_DATA_ROLE_ARN));
  const role = roleArn.split('/').at(-1) ?? '';
  if (template.Resources[role] === undefined) throw new Error(`the tenant role ${roleArn} is not in the template`);
  const principal = `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${TENANT}`;
  const tag = { 'aws:PrincipalTag/TenantID': TENANT };
  const [service] = operation.split(':');
  const bucket = `arn:aws:s3:::${String(resolve(env.TENANCY_DATA_BUCKET_NAME))}`;
  return actionsOf('tenant', operation, transactionParts).map((action) => {
    if (service === 'dynamodb') {
      return {
        role,
        principal,
        action,
        resource: tableArn(env.TENANCY_DATA_TABLE_NAME),
        context: { ...tag, 'dynamodb:LeadingKeys': [TENANT] },
      };
    }
    if (service === 's3') {
      return action === 's3:ListBucket'
        ? { role, principal, action, resource: bucket, context: { ...tag, 's3:prefix': `${TENANT}/` } }
        : { role, principal, action, resource: `${bucket}/${TENANT}/documents/d1`, context: tag };
    }
    return {
      role,
      principal,
      action,
      resource: `arn:aws:verifiedpermissions::${ACCOUNT}:policy-store/ps${TENANT}`,
      context: { ...tag, 'aws:ResourceTag/TenantID': TENANT },
    };
  });
}

/** IAM's decision on one call, from the role's identity policies as packaged. */
async function allowed(template: Template, resolve: (value: Json) => Json, call: Call): Promise<boolean> {
  const policies = rolePolicies(template, call.role).map(resolve);
  const result = await runSimulation(
    {
      request: {
        principal: call.principal,
        action: call.action,
        resource: { resource: call.resource, accountId: ACCOUNT },
        contextVariables: call.context,
      },
      identityPolicies: policies.map((policy, i) => ({ name: `policy-${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new Error(`the policy engine refused ${call.action} on ${call.resource}: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult === 'Allowed';
}

/** Runs the proof over a packaged template. */
export async function provePermissions(
  template: Template,
  dir: string,
  params: Record<string, string>,
  declarations: Partial<Declarations> = {},
): Promise<ProofResult> {
  const resolve = templateResolver(template);
  const { calls, operations, stale } = derivedCalls(template, dir, params, { ...DECLARATIONS, ...declarations });
  if (stale.length > 0) throw new Error(`stale CARRIED_NOT_SENT entries: ${stale.join('; ')}`);
  const missing: Missing[] = [];
  for (const call of calls) {
    if (await allowed(template, resolve, call)) continue;
    const condition = Object.keys(call.context).length > 0 ? ` (request context ${JSON.stringify(call.context)})` : '';
    missing.push({ ...call, add: `${call.role}: Allow ${call.action} on ${call.resource}${condition}` });
  }
  // Nothing more: every action a role allows is needed by a call of that role, or explained.
  const needed = new Map<string, Set<string>>();
  for (const call of calls) needed.set(call.role, (needed.get(call.role) ?? new Set()).add(call.action));
  const excess: Record<string, string[]> = {};
  for (const role of needed.keys()) {
    const granted = rolePolicies(template, role).flatMap((document) =>
      document.Statement.filter((statement) => statement.Effect === 'Allow').flatMap((statement) => {
        if (statement.NotAction !== undefined) throw new Error(`${role} has a NotAction statement: name the actions`);
        return [statement.Action ?? []].flat();
      }),
    );
    const extra = [...new Set(granted)]
      .filter((action) => !needed.get(role)?.has(action) && ALLOWANCES[role]?.[action] === undefined)
      .sort();
    if (extra.length > 0) excess[role] = extra;
  }
  return { calls, missing, excess, operations };
}

/** One line per missing call: what the function does, and the statement to add. */
export function describeMissing(missing: readonly Missing[]): string[] {
  return missing.map((m) => `${m.function} ${m.because} → add to ${m.add}`);
}
