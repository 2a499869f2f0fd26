import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  EVALUATION_ACCOUNT,
  evaluateSession,
  type TenantDataPolicies,
  tenantDataPolicies,
  type Verdict,
} from '../../local/tenant-data-policies';
import { packageTemplate, type Template } from '../support/package-template';

// Issue 20 "Done when": on the template packaged with the PostgreSQL parameters, IAM lets a tenant's session
// connect as that tenant's database user on that cluster, and as nobody else anywhere.

const CLUSTER = 'cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const PARAMS = {
  postgresClusterResourceId: CLUSTER,
  postgresHost: 'tenancy.cluster-c1a2b3c4d5e6.us-east-1.rds.amazonaws.com',
  postgresPort: '5432',
  postgresDatabase: 'tenancy',
};
const DENIED: Verdict[] = ['ImplicitlyDenied', 'ExplicitlyDenied'];

let template: Template;
let policies: TenantDataPolicies;

beforeAll(async () => {
  ({ template } = await packageTemplate(PARAMS));
  policies = tenantDataPolicies(template.Resources);
}, 240_000);

const dbUser = (user: string, cluster = CLUSTER, region = 'us-east-1', account = EVALUATION_ACCOUNT) =>
  `arn:aws:rds-db:${region}:${account}:dbuser:${cluster}/${user}`;
const connect = (tenantId: string | undefined, resource: string, permissions = policies.permissions) =>
  evaluateSession({ ...policies, permissions }, { tenantId, action: 'rds-db:connect', resource });

describe('TenantDataAccessRole rds-db:connect (template packaged with the PostgreSQL parameters)', () => {
  it('lets an acme session connect as the acme database user of the cluster', async () => {
    // Act & Assess
    expect(await connect('acme', dbUser('acme'))).toBe('Allowed');
  });

  it('denies an acme session every other user: another tenant, look-alike names, wildcards', async () => {
    for (const user of ['globex', 'acme-corp', 'acme1', 'acm', 'ACME', 'acme*', '*', 'tenancy_admin', 'postgres']) {
      expect([user, DENIED.includes(await connect('acme', dbUser(user)))]).toEqual([user, true]);
    }
  });

  it('denies the acme user on another cluster, instance, region or account', async () => {
    for (const resource of [
      dbUser('acme', 'cluster-ZYXWVUTSRQPONMLKJIHGFEDCBA'),
      dbUser('acme', 'db-ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
      dbUser('acme', '*'),
      dbUser('acme', CLUSTER, 'eu-west-1'),
      dbUser('acme', CLUSTER, 'us-east-1', '210987654321'),
    ]) {
      expect([resource, DENIED.includes(await connect('acme', resource))]).toEqual([resource, true]);
    }
  });

  it('lets an untagged session connect as nobody', async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, literally
    for (const user of ['acme', 'globex', '*', '${aws:PrincipalTag/TenantID}']) {
      expect([user, DENIED.includes(await connect(undefined, dbUser(user)))]).toEqual([user, true]);
    }
  });

  it("gives the documents function's own role no rds-db:connect at all", async () => {
    for (const user of ['acme', 'globex', '*']) {
      expect([user, await connect('acme', dbUser(user), policies.documentsRolePolicies)]).toEqual([
        user,
        'ImplicitlyDenied',
      ]);
    }
  });

  it('never lets one tenant’s session connect as another tenant’s user (property)', async () => {
    const tenantId = fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,20}[a-z0-9]$/);
    await fc.assert(
      fc.asyncProperty(tenantId, tenantId, async (session, user) => {
        const verdict = await connect(session, dbUser(user));
        return session === user ? verdict === 'Allowed' : DENIED.includes(verdict);
      }),
      { numRuns: 60 },
    );
  });

  it('gives the documents function the connection settings, IAM sign-in and the runtime CA bundle', () => {
    // Act
    const documents = Object.values(template.Resources).find(
      (resource) =>
        resource.Type === 'AWS::Lambda::Function' &&
        resource.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'documents',
    );

    // Assess
    expect(documents?.Properties.Environment.Variables).toMatchObject({
      TENANCY_POSTGRES_HOST: PARAMS.postgresHost,
      TENANCY_POSTGRES_PORT: '5432',
      TENANCY_POSTGRES_DATABASE: 'tenancy',
      TENANCY_POSTGRES_AUTH: 'iam',
      NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
    });
  });
});
