import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const Plugin = require('../../deploy/postgres-plugin.cjs') as new (
  serverless: object,
) => { configureFunction(options: { offline: boolean }): void; addConnectPolicy(): void };

const PARAMS = {
  postgresClusterResourceId: 'cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  postgresHost: 'tenancy.cluster-c1a2b3c4d5e6.us-east-1.rds.amazonaws.com',
  postgresPort: '5432',
  postgresDatabase: 'tenancy',
};
const EMPTY = { postgresClusterResourceId: '', postgresHost: '', postgresPort: '', postgresDatabase: '' };

/** The parts of osls's `serverless` object the plugin reads and writes. */
function serverless(postgres: Record<string, string>) {
  const role = { Type: 'AWS::IAM::Role', Properties: { Policies: [{ PolicyName: 'tenant-data' }] } };
  const documents = { environment: { POWERTOOLS_SERVICE_NAME: 'documents' } as Record<string, string> };
  return {
    role,
    documents,
    service: {
      custom: { postgres },
      functions: { documents },
      resources: [{ Resources: { TenantDataAccessRole: role } }],
      provider: {},
    },
  };
}

describe('postgres deploy plugin', () => {
  it('adds nothing when no PostgreSQL parameter is given', () => {
    // Prepare
    const sls = serverless(EMPTY);
    const plugin = new Plugin(sls);

    // Act
    plugin.configureFunction({ offline: false });
    plugin.addConnectPolicy();

    // Assess
    expect(sls.role.Properties.Policies).toEqual([{ PolicyName: 'tenant-data' }]);
    expect(sls.documents.environment).toEqual({ POWERTOOLS_SERVICE_NAME: 'documents' });
  });

  it('adds the connection settings and one rds-db:connect policy scoped by the session tag', () => {
    // Prepare
    const sls = serverless(PARAMS);
    const plugin = new Plugin(sls);

    // Act
    plugin.configureFunction({ offline: false });
    plugin.addConnectPolicy();

    // Assess
    expect(sls.documents.environment).toMatchObject({
      TENANCY_POSTGRES_HOST: PARAMS.postgresHost,
      TENANCY_POSTGRES_AUTH: 'iam',
    });
    expect(JSON.stringify(sls.role.Properties.Policies[1])).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, literally
      'dbuser:cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ/${!aws:PrincipalTag/TenantID}',
    );
  });

  it.each([
    [{ ...EMPTY, postgresHost: 'db.example.com' }, 'PostgreSQL needs all of'],
    [
      { ...PARAMS, postgresClusterResourceId: 'cluster-*' },
      'postgresClusterResourceId must be a cluster or instance resource id',
    ],
    [
      { ...PARAMS, postgresClusterResourceId: 'my-cluster' },
      'postgresClusterResourceId must be a cluster or instance resource id',
    ],
    [{ ...PARAMS, postgresHost: 'db host' }, 'postgresHost must be a host name'],
    [{ ...PARAMS, postgresPort: '70000' }, 'postgresPort must be a port'],
    [{ ...PARAMS, postgresDatabase: 'Tenancy' }, 'postgresDatabase must be a lowercase identifier'],
  ])('refuses %j at package time', (params, message) => {
    // Prepare
    const plugin = new Plugin(serverless(params));

    // Act & Assess
    expect(() => plugin.configureFunction({ offline: false })).toThrow(message);
  });

  it('passes a local secret to serverless-offline against 127.0.0.1, with no IAM policy', () => {
    // Prepare
    const local = {
      ...PARAMS,
      postgresClusterResourceId: '',
      postgresHost: '127.0.0.1',
      postgresLocalSecret: 's3cret-0123456789',
    };
    const sls = serverless(local);
    const plugin = new Plugin(sls);

    // Act
    plugin.configureFunction({ offline: true });
    plugin.addConnectPolicy();

    // Assess
    expect(sls.documents.environment).toMatchObject({
      TENANCY_POSTGRES_HOST: '127.0.0.1',
      TENANCY_POSTGRES_AUTH: 'local-password',
      TENANCY_POSTGRES_LOCAL_SECRET: 's3cret-0123456789',
    });
    expect(sls.role.Properties.Policies).toHaveLength(1);
  });

  it.each([
    [{ postgresHost: '127.0.0.1' }, false, 'postgresLocalSecret is for the local stack only'],
    [{ postgresHost: 'db.example.com' }, true, 'postgresLocalSecret is accepted with postgresHost=127.0.0.1 only'],
    [
      { postgresHost: '127.0.0.1', postgresClusterResourceId: PARAMS.postgresClusterResourceId },
      true,
      'exclude each other',
    ],
  ])('refuses a local secret with %j (offline: %s)', (params, offline, message) => {
    // Prepare
    const plugin = new Plugin(
      serverless({ ...PARAMS, postgresClusterResourceId: '', postgresLocalSecret: 's3cret-0123456789', ...params }),
    );

    // Act & Assess
    expect(() => plugin.configureFunction({ offline })).toThrow(message);
  });
});
