import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  EVALUATION_ACCOUNT,
  evaluateAssume,
  evaluateSession,
  type TenantDataPolicies,
  tenantDataPolicies,
  type Verdict,
} from '../../local/tenant-data-policies';
import { packageTemplate, type Template } from '../support/package-template';

// The policies under test are read from the template `npm run package` writes, never from a copy.
let template: Template;
let policies: TenantDataPolicies;

beforeAll(async () => {
  ({ template } = await packageTemplate({}));
  policies = tenantDataPolicies(template.Resources);
}, 240_000);

const TENANT = 'acme';
// Other tenants, including ids that the session's tenant id is a prefix of and that are a prefix of it.
const OTHERS = ['globex', 'acme-corp', 'acm', 'acme1', 'ACME'];
const ITEM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];
const OBJECT_ACTIONS = ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'];
const DENIED: Verdict[] = ['ImplicitlyDenied', 'ExplicitlyDenied'];

// `null`: a session without the tag (a default parameter would turn `undefined` into TENANT).
const item = (action: string, leadingKeys?: string[], tenantId: string | null = TENANT) =>
  evaluateSession(policies, {
    tenantId: tenantId ?? undefined,
    action,
    resource: policies.tableArn,
    context: leadingKeys === undefined ? {} : { 'dynamodb:LeadingKeys': leadingKeys },
  });
const object = (action: string, key: string, tenantId: string | null = TENANT) =>
  evaluateSession(policies, { tenantId: tenantId ?? undefined, action, resource: `${policies.bucketArn}/${key}` });
const listing = (prefix: string | undefined) =>
  evaluateSession(policies, {
    tenantId: TENANT,
    action: 's3:ListBucket',
    resource: policies.bucketArn,
    context: prefix === undefined ? {} : { 's3:prefix': prefix },
  });

describe('TenantDataAccessRole permissions (packaged template, IAM policy engine)', () => {
  it('holds nothing PostgreSQL-related when the PostgreSQL parameters are not given', () => {
    // Act
    const text = JSON.stringify(template);

    // Assess
    expect(text).not.toContain('rds-db');
    expect(text).not.toContain('TENANCY_POSTGRES');
  });

  it("allows every item action on the session tenant's own partition", async () => {
    for (const action of ITEM_ACTIONS) expect([action, await item(action, [TENANT])]).toEqual([action, 'Allowed']);
  });

  it("denies every item action on another tenant's partition, prefixes of one another included", async () => {
    for (const action of ITEM_ACTIONS) {
      for (const other of OTHERS) expect(DENIED).toContain(await item(action, [other]));
    }
  });

  it('denies batches that mix the own partition with another tenant’s', async () => {
    for (const action of ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem']) {
      expect(DENIED).toContain(await item(action, [TENANT, 'globex']));
      expect(DENIED).toContain(await item(action, ['globex', TENANT]));
    }
  });

  it('denies requests that carry no partition key at all (ForAllValues over a missing key would allow them)', async () => {
    for (const action of ITEM_ACTIONS) expect(DENIED).toContain(await item(action));
  });

  it('denies table-wide and management actions, whatever keys are claimed', async () => {
    for (const action of [
      'dynamodb:Scan',
      'dynamodb:PartiQLSelect',
      'dynamodb:DescribeTable',
      'dynamodb:UpdateTable',
      'dynamodb:DeleteTable',
      'dynamodb:ExportTableToPointInTime',
      'dynamodb:CreateBackup',
    ]) {
      expect(DENIED).toContain(await item(action));
      expect(DENIED).toContain(await item(action, [TENANT]));
    }
  });

  it('denies the tenant’s keys in any other table and in the table’s indexes', async () => {
    // Act
    const otherTable = await evaluateSession(policies, {
      tenantId: TENANT,
      action: 'dynamodb:GetItem',
      resource: `arn:aws:dynamodb:us-east-1:${EVALUATION_ACCOUNT}:table/cognito-tenancy-prod-registry`,
      context: { 'dynamodb:LeadingKeys': [TENANT] },
    });
    const index = await evaluateSession(policies, {
      tenantId: TENANT,
      action: 'dynamodb:Query',
      resource: `${policies.tableArn}/index/byOwner`,
      context: { 'dynamodb:LeadingKeys': [TENANT] },
    });

    // Assess
    expect(DENIED).toContain(otherTable);
    expect(DENIED).toContain(index);
  });

  it("allows object actions under the tenant's prefix only", async () => {
    for (const action of OBJECT_ACTIONS) {
      expect(await object(action, `${TENANT}/documents/d1`)).toBe('Allowed');
      for (const key of [
        'globex/documents/d1',
        'acme-corp/documents/d1',
        'acm/documents/d1',
        'acmex',
        TENANT,
        'ACME/documents/d1',
        'documents/d1',
      ]) {
        expect([action, key, DENIED.includes(await object(action, key))]).toEqual([action, key, true]);
      }
    }
  });

  it('refuses the S3 calls that touch two keys whenever one of them is another tenant’s', async () => {
    // S3 authorizes CopyObject and UploadPartCopy as GetObject on the source plus PutObject on the target, and
    // DeleteObjects as DeleteObject on every key it names: each half is evaluated on its own key.
    // Act
    const copyIn = [await object('s3:GetObject', 'globex/documents/d1'), await object('s3:PutObject', 'acme/x')];
    const copyOut = [await object('s3:GetObject', 'acme/documents/d1'), await object('s3:PutObject', 'globex/x')];
    const deleteMany = [await object('s3:DeleteObject', 'acme/d1'), await object('s3:DeleteObject', 'globex/d1')];

    // Assess: the other tenant's half is refused, so the whole call is.
    expect(copyIn).toEqual([expect.stringMatching(/Denied$/), 'Allowed']);
    expect(copyOut).toEqual(['Allowed', expect.stringMatching(/Denied$/)]);
    expect(deleteMany).toEqual(['Allowed', expect.stringMatching(/Denied$/)]);
  });

  it('grants no object action beyond Get, Put and Delete, even under the tenant’s own prefix', async () => {
    for (const action of [
      's3:GetObjectAttributes',
      's3:GetObjectVersionAttributes',
      's3:GetObjectTagging',
      's3:PutObjectTagging',
      's3:RestoreObject',
      's3:AbortMultipartUpload',
      's3:ListMultipartUploadParts',
      's3:PutObjectRetention',
      's3:PutObjectLegalHold',
    ]) {
      expect([action, DENIED.includes(await object(action, `${TENANT}/documents/d1`))]).toEqual([action, true]);
    }
    expect(DENIED).toContain(
      await evaluateSession(policies, {
        tenantId: TENANT,
        action: 's3:ListBucketMultipartUploads',
        resource: policies.bucketArn,
        context: { 's3:prefix': `${TENANT}/` },
      }),
    );
  });

  it('lists the bucket only with a prefix inside the tenant’s own', async () => {
    // Act
    const verdicts = {
      own: await listing(`${TENANT}/`),
      ownDeeper: await listing(`${TENANT}/documents/`),
      noPrefix: await listing(undefined),
      emptyPrefix: await listing(''),
      bareTenant: await listing(TENANT),
      prefixTenant: await listing('acme-corp/'),
      other: await listing('globex/'),
      // A delimiter does not widen a listing: without a prefix it would name every tenant's top-level folder.
      rootWithDelimiter: await evaluateSession(policies, {
        tenantId: TENANT,
        action: 's3:ListBucket',
        resource: policies.bucketArn,
        context: { 's3:delimiter': '/' },
      }),
    };

    // Assess
    expect(verdicts.own).toBe('Allowed');
    expect(verdicts.ownDeeper).toBe('Allowed');
    for (const verdict of [
      verdicts.noPrefix,
      verdicts.emptyPrefix,
      verdicts.bareTenant,
      verdicts.prefixTenant,
      verdicts.other,
      verdicts.rootWithDelimiter,
    ]) {
      expect(DENIED).toContain(verdict);
    }
  });

  it('denies bucket management and object ACL or version actions, even under the tenant’s prefix', async () => {
    for (const action of ['s3:GetObjectAcl', 's3:PutObjectAcl', 's3:GetObjectVersion', 's3:DeleteObjectVersion']) {
      expect(DENIED).toContain(await object(action, `${TENANT}/documents/d1`));
    }
    for (const action of ['s3:DeleteBucket', 's3:PutBucketPolicy', 's3:ListBucketVersions', 's3:GetBucketPolicy']) {
      expect(DENIED).toContain(
        await evaluateSession(policies, { tenantId: TENANT, action, resource: policies.bucketArn }),
      );
    }
  });

  it('grants a session without the TenantID tag nothing', async () => {
    expect(DENIED).toContain(await item('dynamodb:GetItem', [TENANT], null));
    expect(DENIED).toContain(await object('s3:GetObject', `${TENANT}/documents/d1`, null));
  });

  it("never lets one tenant's session reach another tenant's item or object (property)", async () => {
    const tenantId = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{1,20}[a-z0-9])$/);
    await fc.assert(
      fc.asyncProperty(tenantId, tenantId, fc.constantFrom(...ITEM_ACTIONS), async (own, other, action) => {
        fc.pre(own !== other);
        expect(DENIED).toContain(await item(action, [other], own));
        expect(DENIED).toContain(await item(action, [own, other], own));
        expect(DENIED).toContain(await object('s3:GetObject', `${other}/documents/d1`, own));
      }),
      { numRuns: 60 },
    );
  });

  it('relies on the Null condition: without it, a request with no partition key would be allowed', async () => {
    // Prepare: the packaged policy with the Null condition taken out of every statement.
    const weakened = JSON.parse(JSON.stringify(policies)) as TenantDataPolicies & {
      permissions: { Statement: { Condition?: Record<string, unknown> }[] }[];
    };
    for (const document of weakened.permissions) {
      for (const statement of document.Statement) delete statement.Condition?.Null;
    }

    // Act
    const verdict = await evaluateSession(weakened, {
      tenantId: TENANT,
      action: 'dynamodb:GetItem',
      resource: policies.tableArn,
    });

    // Assess: the engine applies IAM's set-operator rule, so the suite would catch the missing check.
    expect(verdict).toBe('Allowed');
  });
});

describe('TenantDataAccessRole trust policy (packaged template, IAM policy engine)', () => {
  const documentsSession = () =>
    `arn:aws:sts::${EVALUATION_ACCOUNT}:assumed-role/DocumentsRole/cognito-tenancy-prod-documents`;
  const assume = (tags: Record<string, string>, options: { principal?: string; transitive?: string[] } = {}) =>
    Promise.all(
      (['sts:AssumeRole', 'sts:TagSession'] as const).map((action) =>
        evaluateAssume(policies, {
          action,
          principal: options.principal ?? documentsSession(),
          identityPolicies:
            options.principal === undefined
              ? policies.documentsRolePolicies
              : [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:*', Resource: '*' }] }],
          tags,
          ...(options.transitive === undefined ? {} : { transitiveTagKeys: options.transitive }),
        }),
      ),
    );

  it('lets the documents function role assume it with a well-formed TenantID tag', async () => {
    for (const tenantId of ['acme', 'abc', 't-abcdefghij234567abcd', `a${'b'.repeat(61)}c`]) {
      expect(await assume({ TenantID: tenantId })).toEqual(['Allowed', 'Allowed']);
    }
  });

  it('refuses a session without the tag, with another tag beside it, or with transitive tags', async () => {
    // Act
    const verdicts = [
      await assume({}),
      await assume({ TenantID: 'acme', Team: 'blue' }),
      await assume({ TenantID: 'acme' }, { transitive: ['TenantID'] }),
    ];

    // Assess: AssumeRole itself is refused in each case.
    for (const [assumeRole] of verdicts) expect(DENIED).toContain(assumeRole);
  });

  it('refuses TenantID values that are not tenant ids', async () => {
    for (const value of [
      '',
      'a',
      'ab',
      'Acme',
      'ACME',
      '-acme',
      'acme-',
      'acme/globex',
      'acme_x',
      'acme.x',
      'acme:x',
      'acme@x',
      'acme=x',
      'acme+x',
      'ac me',
      'a'.repeat(64),
    ]) {
      const [assumeRole, tagSession] = await assume({ TenantID: value });
      expect([value, DENIED.includes(assumeRole ?? 'Allowed') && DENIED.includes(tagSession ?? 'Allowed')]).toEqual([
        value,
        true,
      ]);
    }
  });

  it('refuses every other principal, even one whose own policies allow sts:*', async () => {
    for (const principal of [
      `arn:aws:sts::${EVALUATION_ACCOUNT}:assumed-role/AuthorizerRole/cognito-tenancy-prod-authorizer`,
      `arn:aws:iam::${EVALUATION_ACCOUNT}:role/TenantMeRole`,
      `arn:aws:iam::${EVALUATION_ACCOUNT}:root`,
      'arn:aws:sts::210987654321:assumed-role/DocumentsRole/elsewhere',
    ]) {
      const [assumeRole] = await assume({ TenantID: 'acme' }, { principal });
      expect([principal, DENIED.includes(assumeRole ?? 'Allowed')]).toEqual([principal, true]);
    }
  });

  it("gives the documents function's own role no data permissions at all", async () => {
    for (const [action, resource] of [
      ['dynamodb:GetItem', policies.tableArn],
      ['dynamodb:Scan', policies.tableArn],
      ['s3:GetObject', `${policies.bucketArn}/acme/documents/d1`],
      ['s3:ListBucket', policies.bucketArn],
    ] as const) {
      const verdict = await evaluateSession(
        { ...policies, permissions: policies.documentsRolePolicies },
        { tenantId: 'acme', action, resource, context: { 'dynamodb:LeadingKeys': ['acme'], 's3:prefix': 'acme/' } },
      );
      expect([action, verdict]).toEqual([action, 'ImplicitlyDenied']);
    }
  });
});

describe('Verified Permissions through the tenant role (packaged template, IAM policy engine)', () => {
  const store = (id: string) => `arn:aws:verifiedpermissions::${EVALUATION_ACCOUNT}:policy-store/${id}`;
  const onStore = (action: string, storeTenant: string | undefined, tenantId = TENANT) =>
    evaluateSession(policies, {
      tenantId,
      action,
      resource: store('PSEXAMPLEabcdefg111111'),
      context: storeTenant === undefined ? {} : { 'aws:ResourceTag/TenantID': storeTenant },
    });

  it('decides and shares on the policy store tagged with the session tenant', async () => {
    expect(await onStore('verifiedpermissions:IsAuthorized', TENANT)).toBe('Allowed');
    expect(await onStore('verifiedpermissions:CreatePolicy', TENANT)).toBe('Allowed');
  });

  it("reaches no other tenant's store, and no untagged store", async () => {
    for (const other of [...OTHERS, undefined]) {
      for (const action of ['verifiedpermissions:IsAuthorized', 'verifiedpermissions:CreatePolicy']) {
        expect([other, action, DENIED.includes(await onStore(action, other))]).toEqual([other, action, true]);
      }
    }
  });

  it("leaves every operator action on the tenant's own store to the operator", async () => {
    for (const action of [
      'verifiedpermissions:PutSchema',
      'verifiedpermissions:UpdatePolicy',
      'verifiedpermissions:DeletePolicy',
      'verifiedpermissions:CreatePolicyTemplate',
      'verifiedpermissions:UpdatePolicyTemplate',
      'verifiedpermissions:DeletePolicyStore',
      'verifiedpermissions:TagResource',
      'verifiedpermissions:UntagResource',
      'verifiedpermissions:IsAuthorizedWithToken',
    ]) {
      expect([action, DENIED.includes(await onStore(action, TENANT))]).toEqual([action, true]);
    }
  });

  it("gives the documents function's own role no policy store access and only GetItem on the registry", async () => {
    const own = { ...policies, permissions: policies.documentsRolePolicies };
    const verdict = (action: string, resource: string) =>
      evaluateSession(own, { tenantId: TENANT, action, resource, context: { 'aws:ResourceTag/TenantID': TENANT } });
    const registry = `arn:aws:dynamodb:us-east-1:${EVALUATION_ACCOUNT}:table/cognito-tenancy-prod-registry`;
    expect(await verdict('verifiedpermissions:IsAuthorized', store('PS1'))).toBe('ImplicitlyDenied');
    expect(await verdict('dynamodb:GetItem', registry)).toBe('Allowed');
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:Scan']) {
      expect([action, await verdict(action, registry)]).toEqual([action, 'ImplicitlyDenied']);
    }
  });
});
