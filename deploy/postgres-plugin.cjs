'use strict';

/**
 * Local osls plugin: tenant data in a PostgreSQL cluster you bring (docs/postgresql.md).
 *
 * With the four parameters `postgresClusterResourceId`, `postgresHost`, `postgresPort` and `postgresDatabase`
 * (all or none, each checked here), the documents function gets the connection settings and
 * `TenantDataAccessRole` gets one more inline policy: `rds-db:connect` as the database user named by the
 * session's own `TenantID` tag on that one cluster. Without them, nothing PostgreSQL-related is added to the
 * template. The function's own role (DocumentsRole) never gets `rds-db:connect`: it connects as nobody.
 *
 * The local stack (serverless-offline only) gives `postgresLocalSecret` instead of the resource id: the
 * tenant roles then sign in with passwords derived from it, which the function accepts against 127.0.0.1 only.
 * A package or deploy with it is refused.
 */

// Aurora cluster (`cluster-…`) or RDS instance (`db-…`) resource ids: DbiResourceId / DbClusterResourceId.
const RESOURCE_ID = /^(cluster|db)-[A-Z0-9]{10,40}$/;
const HOST = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;
const DATABASE = /^[a-z_][a-z0-9_]{0,62}$/;
const KEYS = ['postgresClusterResourceId', 'postgresHost', 'postgresPort', 'postgresDatabase'];

class PostgresPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'before:package:initialize': () => this.configureFunction({ offline: false }),
      'before:offline:start:init': () => this.configureFunction({ offline: true }),
      'before:package:finalize': () => this.addConnectPolicy(),
    };
  }

  /** The parameters, checked; `undefined` when none is given. */
  settings() {
    const custom = this.serverless.service.custom?.postgres ?? {};
    const values = Object.fromEntries(KEYS.map((key) => [key, String(custom[key] ?? '').trim()]));
    const localSecret = String(custom.postgresLocalSecret ?? '').trim();
    const ServerlessError = this.serverless.classes?.Error ?? Error;
    const fail = (message) => {
      throw new ServerlessError(message);
    };
    if (localSecret !== '') {
      if (values.postgresClusterResourceId !== '')
        fail('postgresLocalSecret and postgresClusterResourceId exclude each other');
      if (values.postgresHost !== '127.0.0.1') fail('postgresLocalSecret is accepted with postgresHost=127.0.0.1 only');
      values.postgresClusterResourceId = 'local';
    }
    const given = KEYS.filter((key) => values[key] !== '');
    if (given.length === 0) return undefined;
    if (given.length < KEYS.length) {
      fail(`PostgreSQL needs all of ${KEYS.join(', ')}; missing: ${KEYS.filter((k) => !given.includes(k)).join(', ')}`);
    }
    if (localSecret === '' && !RESOURCE_ID.test(values.postgresClusterResourceId)) {
      fail(
        `postgresClusterResourceId must be a cluster or instance resource id (cluster-…/db-…), got "${values.postgresClusterResourceId}"`,
      );
    }
    if (!HOST.test(values.postgresHost)) fail(`postgresHost must be a host name, got "${values.postgresHost}"`);
    const port = Number(values.postgresPort);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      fail(`postgresPort must be a port, got "${values.postgresPort}"`);
    if (!DATABASE.test(values.postgresDatabase)) {
      fail(`postgresDatabase must be a lowercase identifier, got "${values.postgresDatabase}"`);
    }
    const { postgresClusterResourceId: resourceId, postgresHost: host, postgresDatabase: database } = values;
    return { resourceId, host, port, database, localSecret };
  }

  configureFunction({ offline }) {
    const settings = this.settings();
    if (settings === undefined) return;
    if (settings.localSecret !== '' && !offline) {
      throw new (this.serverless.classes?.Error ?? Error)('postgresLocalSecret is for the local stack only');
    }
    const documents = this.serverless.service.functions?.documents;
    if (documents === undefined) return;
    const auth =
      settings.localSecret === ''
        ? {
            TENANCY_POSTGRES_AUTH: 'iam',
            // The Lambda runtime's CA bundle, which holds the Amazon RDS certificate authorities: TLS is verified.
            NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
          }
        : { TENANCY_POSTGRES_AUTH: 'local-password', TENANCY_POSTGRES_LOCAL_SECRET: settings.localSecret };
    documents.environment = {
      ...documents.environment,
      TENANCY_POSTGRES_HOST: settings.host,
      TENANCY_POSTGRES_PORT: String(settings.port),
      TENANCY_POSTGRES_DATABASE: settings.database,
      ...auth,
    };
  }

  addConnectPolicy() {
    const settings = this.settings();
    if (settings === undefined || settings.localSecret !== '') return;
    // The role as serverless.yml's `resources` declare it (merged into the compiled template at package:finalize).
    const declared = this.serverless.service.resources;
    const role = (Array.isArray(declared) ? declared : [declared])
      .map((part) => part?.Resources?.TenantDataAccessRole)
      .find((resource) => resource !== undefined);
    if (role === undefined) throw new Error('postgres plugin: serverless.yml declares no TenantDataAccessRole');
    role.Properties.Policies = [
      ...(role.Properties.Policies ?? []),
      {
        PolicyName: 'tenant-database',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              // The database user is the session's tenant, on this one cluster: `acme` cannot sign in as
              // `globex`, as `acme-corp`, or as anyone on another cluster; an untagged session matches no user.
              Sid: 'TenantDatabaseUser',
              Effect: 'Allow',
              Action: 'rds-db:connect',
              Resource: {
                'Fn::Sub': `arn:\${AWS::Partition}:rds-db:\${AWS::Region}:\${AWS::AccountId}:dbuser:${settings.resourceId}/\${!aws:PrincipalTag/TenantID}`,
              },
            },
          ],
        },
      },
    ];
  }
}

module.exports = PostgresPlugin;
