/**
 * The memberships API behind the authorizer (docs/memberships.md): `GET /me/tenants`, `PUT /me/active-tenant`,
 * `POST /tenants/{tenantId}/members`, `PUT|DELETE /tenants/{tenantId}/members/{sub}`. Wiring only: the caller
 * comes from the authorizer context, everything else is `shared/members-api/members-api.ts`.
 */
import { roleConfigFromEnv } from '../shared/assignment/assignment-config';
import { TenantDirectory } from '../shared/cognito/tenant-directory';
import { createMembersApiHandler } from '../shared/members-api/members-api';
import { MembershipOperations } from '../shared/memberships/membership-operations';
import { MembershipRegistry } from '../shared/registry/membership-registry';
import { registryConfigFromEnv } from '../shared/registry/registry-config';
import { createCognitoClient } from '../shared/runtime/cognito-client';
import { createDynamoDBClient } from '../shared/runtime/dynamodb-client';
import { logger } from '../shared/runtime/logger';

// Cold start: configuration validated once; clients reused across invocations.
const { tableName, tiers, auditRetentionDays } = registryConfigFromEnv(process.env);
const { roleGroups, adminRole } = roleConfigFromEnv(process.env);
const directory = new TenantDirectory(createCognitoClient());
const base = { client: createDynamoDBClient(), tableName, tiers, adminRole };
// Audit items name the verified user who made the change (docs/observability.md "Audit trail").
const registryFor = (sub: string) =>
  new MembershipRegistry({ ...base, audit: { actor: `user:${sub}`, retentionDays: auditRetentionDays } });

/** The Lambda handler (HTTP API payload 2.0). */
export const handler = createMembersApiHandler({
  operationsFor: (sub) => new MembershipOperations({ registry: registryFor(sub), directory, roleGroups }),
  users: new MembershipRegistry(base),
  directory,
  roleGroups,
  adminRole,
  logger,
});
