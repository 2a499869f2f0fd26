/**
 * The tenant data policies of a CloudFormation template, evaluated with an IAM policy engine
 * (`@cloud-copilot/iam-simulate`, AGPL-licensed: a devDependency used by the policy tests and the demo only,
 * never imported by shared/ or functions/, so never in a Lambda bundle). IAM cannot run locally; this is how
 * the suite proves that one tenant's session cannot reach another tenant's data.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { TENANT_TAG } from '../shared/registry/tenant-id';

/** The account, region and names the template's intrinsic functions resolve to in the evaluation. */
export const EVALUATION_ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const EVALUATION_BUCKET = 'tenant-data-bucket';

type Json = unknown;
// biome-ignore lint/suspicious/noExplicitAny: CloudFormation templates are untyped JSON.
type Resource = { Type: string; Properties: Record<string, any> };
/** A CloudFormation template (as `serverless package` writes it) or its `Resources` section. */
export type TemplateResources = Record<string, Resource>;

/** The documents of the tenant data pattern, with every intrinsic function resolved. */
export interface TenantDataPolicies {
  readonly tableArn: string;
  readonly bucketArn: string;
  readonly roleArn: string;
  readonly documentsRoleArn: string;
  /** TenantDataAccessRole's permission policies. */
  readonly permissions: readonly Json[];
  /** TenantDataAccessRole's trust policy. */
  readonly trust: Json;
  /** Every policy the documents function's own role holds (inline and attached). */
  readonly documentsRolePolicies: readonly Json[];
}

/** Evaluation outcome, as IAM would decide. */
export type Verdict = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** Reads the tenant data pattern's policies out of a template's resources. */
export function tenantDataPolicies(resources: TemplateResources): TenantDataPolicies {
  const resolve = resolver(resources);
  const role = required(resources, 'TenantDataAccessRole');
  const documentsRole = required(resources, 'DocumentsRole');
  const attached = Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .filter((resource) => JSON.stringify(resource.Properties.Roles) === JSON.stringify([{ Ref: 'DocumentsRole' }]))
    .map((resource) => resource.Properties.PolicyDocument);
  const inline = (resource: Resource) =>
    ((resource.Properties.Policies ?? []) as { PolicyDocument: Json }[]).map((policy) => policy.PolicyDocument);
  return {
    tableArn: resolve({ 'Fn::GetAtt': ['TenantDataTable', 'Arn'] }) as string,
    bucketArn: resolve({ 'Fn::GetAtt': ['TenantDataBucket', 'Arn'] }) as string,
    roleArn: resolve({ 'Fn::GetAtt': ['TenantDataAccessRole', 'Arn'] }) as string,
    documentsRoleArn: resolve({ 'Fn::GetAtt': ['DocumentsRole', 'Arn'] }) as string,
    permissions: inline(role).map(resolve),
    trust: resolve(role.Properties.AssumeRolePolicyDocument),
    documentsRolePolicies: [...inline(documentsRole), ...attached].map(resolve),
  };
}

/** A tenant session's request: what the role's policies allow a session tagged with `tenantId`. */
export interface SessionRequest {
  /** The session's `TenantID` tag; `undefined` for a session without one. */
  readonly tenantId: string | undefined;
  readonly action: string;
  readonly resource: string;
  /** Request context keys (`dynamodb:LeadingKeys`, `s3:prefix`, …). */
  readonly context?: Readonly<Record<string, string | string[]>>;
}

/** IAM's decision on a request made with the tenant role's session. */
export async function evaluateSession(policies: TenantDataPolicies, request: SessionRequest): Promise<Verdict> {
  const tag: Record<string, string> =
    request.tenantId === undefined ? {} : { [`aws:PrincipalTag/${TENANT_TAG}`]: request.tenantId };
  const roleName = policies.roleArn.split('/').at(-1) ?? '';
  return simulate({
    principal: `arn:aws:sts::${EVALUATION_ACCOUNT}:assumed-role/${roleName}/${request.tenantId ?? 'untagged'}@documents`,
    action: request.action,
    resource: request.resource,
    context: { ...tag, ...request.context },
    identityPolicies: policies.permissions,
  });
}

/** An `sts:AssumeRole` or `sts:TagSession` call on the tenant role. */
export interface AssumeRequest {
  readonly action: 'sts:AssumeRole' | 'sts:TagSession';
  /** The caller's principal ARN. */
  readonly principal: string;
  /** Identity policies of the caller (the documents role's own, for that role). */
  readonly identityPolicies: readonly Json[];
  /** Session tags asked for. */
  readonly tags: Readonly<Record<string, string>>;
  readonly transitiveTagKeys?: readonly string[];
}

/** IAM's decision on assuming the tenant role: trust policy (resource policy) and the caller's own policies. */
export async function evaluateAssume(policies: TenantDataPolicies, request: AssumeRequest): Promise<Verdict> {
  const context: Record<string, string | string[]> = { 'aws:TagKeys': Object.keys(request.tags) };
  for (const [key, value] of Object.entries(request.tags)) context[`aws:RequestTag/${key}`] = value;
  if (request.transitiveTagKeys !== undefined) context['sts:TransitiveTagKeys'] = [...request.transitiveTagKeys];
  return simulate({
    principal: request.principal,
    action: request.action,
    resource: policies.roleArn,
    context,
    identityPolicies: request.identityPolicies,
    resourcePolicy: policies.trust,
  });
}

async function simulate(input: {
  principal: string;
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
  identityPolicies: readonly Json[];
  resourcePolicy?: Json;
}): Promise<Verdict> {
  const result = await runSimulation(
    {
      request: {
        principal: input.principal,
        action: input.action,
        resource: { resource: input.resource, accountId: EVALUATION_ACCOUNT },
        contextVariables: input.context,
      },
      identityPolicies: input.identityPolicies.map((policy, i) => ({ name: `policy-${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(input.resourcePolicy === undefined ? {} : { resourcePolicy: input.resourcePolicy }),
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new Error(`the policy engine refused the request: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult as Verdict;
}

function required(resources: TemplateResources, id: string): Resource {
  const resource = resources[id];
  if (resource === undefined) throw new Error(`the template has no ${id}`);
  return resource;
}

/**
 * Resolves the intrinsic functions these resources use (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`) to fixed
 * evaluation values; `${!name}` in `Fn::Sub` stays the literal `${name}`, as CloudFormation leaves it.
 */
function resolver(resources: TemplateResources): (value: Json) => Json {
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': REGION,
    'AWS::AccountId': EVALUATION_ACCOUNT,
  };
  const attribute = (id: string, name: string): string => {
    const resource = required(resources, id);
    if (name !== 'Arn') throw new Error(`unsupported attribute ${id}.${name}`);
    if (resource.Type === 'AWS::DynamoDB::Table') {
      return `arn:aws:dynamodb:${REGION}:${EVALUATION_ACCOUNT}:table/${resource.Properties.TableName}`;
    }
    if (resource.Type === 'AWS::S3::Bucket') return `arn:aws:s3:::${EVALUATION_BUCKET}`;
    if (resource.Type === 'AWS::IAM::Role') return `arn:aws:iam::${EVALUATION_ACCOUNT}:role/${id}`;
    throw new Error(`unsupported resource type for ${id}: ${resource.Type}`);
  };
  const ref = (name: string): string => {
    if (pseudo[name] !== undefined) return pseudo[name];
    const resource = required(resources, name);
    if (resource.Type === 'AWS::S3::Bucket') return EVALUATION_BUCKET;
    return name;
  };
  const sub = (template: string, variables: Record<string, string>) =>
    template.replace(/\$\{(!?)([^}]+)\}/g, (_, escaped: string, name: string) => {
      if (escaped === '!') return `\${${name}}`;
      if (variables[name] !== undefined) return variables[name];
      const [id, attr] = name.split('.');
      return attr === undefined ? ref(name) : attribute(id ?? '', attr);
    });
  const resolve = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') return value;
    const object = value as Record<string, Json>;
    if ('Ref' in object) return ref(String(object.Ref));
    if ('Fn::GetAtt' in object) {
      const [id, name] = object['Fn::GetAtt'] as [string, string];
      return attribute(id, name);
    }
    if ('Fn::Sub' in object) {
      const argument = object['Fn::Sub'];
      if (typeof argument === 'string') return sub(argument, {});
      const [template, variables] = argument as [string, Record<string, Json>];
      const resolved = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(resolve(v))]));
      return sub(template, resolved);
    }
    if ('Fn::Join' in object) {
      const [delimiter, parts] = object['Fn::Join'] as [string, Json[]];
      return parts.map((part) => String(resolve(part))).join(delimiter);
    }
    return Object.fromEntries(Object.entries(object).map(([key, inner]) => [key, resolve(inner)]));
  };
  return resolve;
}
