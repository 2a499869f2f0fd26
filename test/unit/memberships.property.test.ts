import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Authorizer } from '../../shared/authorizer/authorize';
import { authorizerConfigFromEnv } from '../../shared/authorizer/authorizer-config';
import { TenantStanding } from '../../shared/authorizer/tenant-standing';
import { createCognitoJwtVerifier, TokenVerifier } from '../../shared/authorizer/token-verifier';
import type { Membership, MembershipSource, Tenant, TenantStatus } from '../../shared/registry/tenant';
import { TenancyError } from '../../shared/runtime/errors';
import { preTokenConfigFromEnv } from '../../shared/tokens/pre-token-config';
import { createPreTokenGenerationHandler } from '../../shared/tokens/pre-token-generation';
import { loadEvent } from '../support/events';
import { useJwksServer } from '../support/jwks-server';
import { ARN_PREFIX, CLIENT_ID, cognitoClaims, createSigningKey, POOL_ID, signRs256 } from '../support/jwt';
import { groupsOf, type TestEvent, tokensOf } from './pre-token-fixtures';

// docs/memberships.md: no authorizer decision and no token carries a tenant or role the registry does not
// hold for that user, once the cache TTL has passed since the registry changed.

const TENANTS = ['acme', 'globex', 'initech'] as const;
const USERS = ['a0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000002'] as const;
const ROLES = ['tenant-admin', 'tenant-member'] as const;
const TTL_MS = 60_000;
const quiet = { debug() {}, info() {}, warn() {}, error() {}, appendKeys() {}, resetKeys() {} };

/** The registry as a model: tenants, memberships and each user's active tenant (`custom:tenantId`). */
class ModelRegistry {
  readonly tenants = new Map<string, Tenant>();
  readonly memberships = new Map<string, Membership>();
  readonly active = new Map<string, string | undefined>();

  constructor(statuses: readonly TenantStatus[], mappings: readonly boolean[]) {
    TENANTS.forEach((tenantId, i) => {
      this.tenants.set(tenantId, {
        tenantId,
        name: tenantId,
        tier: 'standard',
        status: statuses[i] ?? 'active',
        seats: 0,
        // A tenant that maps its IdP's admins to tenant-admin: only IdP memberships may use it.
        roleMappings: mappings[i] ? { Admins: 'tenant-admin' } : {},
        createdAt: '',
        updatedAt: '',
      });
    });
  }

  async getTenant(tenantId: string) {
    return this.tenants.get(tenantId);
  }
  async getMembership(tenantId: string, sub: string) {
    return this.memberships.get(`${tenantId}#${sub}`);
  }
  async resolveBinding() {
    return undefined;
  }

  apply(op: Operation): void {
    const key = `${op.tenantId}#${op.sub}`;
    const held = this.memberships.get(key);
    switch (op.kind) {
      case 'add':
        if (held === undefined) {
          this.memberships.set(key, {
            tenantId: op.tenantId,
            sub: op.sub,
            role: op.role,
            status: op.status,
            source: op.source,
            joinedAt: '',
          });
          if (op.status === 'active' && this.active.get(op.sub) === undefined) this.active.set(op.sub, op.tenantId);
        }
        return;
      case 'set-role':
        if (held !== undefined) this.memberships.set(key, { ...held, role: op.role });
        return;
      case 'remove':
        this.memberships.delete(key);
        if (this.active.get(op.sub) === op.tenantId) {
          const next = [...this.memberships.values()].find((m) => m.sub === op.sub && m.status === 'active');
          this.active.set(op.sub, next?.tenantId);
        }
        return;
      case 'switch':
        if (held?.status === 'active' && this.tenants.get(op.tenantId)?.status === 'active') {
          this.active.set(op.sub, op.tenantId);
        }
        return;
      case 'status': {
        const tenant = this.tenants.get(op.tenantId);
        if (tenant !== undefined) this.tenants.set(op.tenantId, { ...tenant, status: op.status });
        return;
      }
    }
  }
}

type Operation =
  | {
      kind: 'add';
      tenantId: string;
      sub: string;
      role: string;
      status: Membership['status'];
      source: MembershipSource;
    }
  | { kind: 'set-role'; tenantId: string; sub: string; role: string }
  | { kind: 'remove'; tenantId: string; sub: string }
  | { kind: 'switch'; tenantId: string; sub: string }
  | { kind: 'status'; tenantId: string; sub: string; status: TenantStatus };

const tenant = fc.constantFrom(...TENANTS);
const user = fc.constantFrom(...USERS);
const role = fc.constantFrom(...ROLES);
const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({
    kind: fc.constant('add' as const),
    tenantId: tenant,
    sub: user,
    role,
    status: fc.constantFrom('active' as const, 'invited' as const),
    source: fc.constantFrom('invite' as const, 'idp' as const, 'domain' as const),
  }),
  fc.record({ kind: fc.constant('set-role' as const), tenantId: tenant, sub: user, role }),
  fc.record({ kind: fc.constant('remove' as const), tenantId: tenant, sub: user }),
  fc.record({ kind: fc.constant('switch' as const), tenantId: tenant, sub: user }),
  fc.record({
    kind: fc.constant('status' as const),
    tenantId: tenant,
    sub: user,
    status: fc.constantFrom('active' as const, 'suspended' as const),
  }),
);

describe('memberships: decisions and tokens never exceed the registry (fast-check)', () => {
  const key = createSigningKey('memberships-property');
  const server = useJwksServer({ [POOL_ID]: [key] });

  it('holds over random membership graphs and operation sequences, tokens issued at any step', async () => {
    const config = authorizerConfigFromEnv({
      TENANCY_USER_POOL_IDS: POOL_ID,
      TENANCY_CLIENT_IDS: CLIENT_ID,
      TENANCY_JWKS_URI: server.template,
      TENANCY_CACHE_TTL_SECONDS: String(TTL_MS / 1000),
    });
    const verifier = new TokenVerifier(createCognitoJwtVerifier(config), config.claimNames, 1000, config.roleGroups);
    const tokenConfig = preTokenConfigFromEnv({
      TENANCY_CACHE_TTL_SECONDS: String(TTL_MS / 1000),
      TENANCY_IDP_GROUPS_ATTRIBUTE: 'custom:idpGroups',
    });

    const stats: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<TenantStatus>('active', 'suspended'), { minLength: 3, maxLength: 3 }),
        fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
        fc.array(
          fc.record({ tenantId: tenant, sub: user, role, source: fc.constantFrom('invite' as const, 'idp' as const) }),
          { maxLength: 6 },
        ),
        fc.array(operation, { minLength: 1, maxLength: 24 }),
        fc.array(fc.constantFrom(...TENANTS, undefined), { minLength: 24, maxLength: 24 }),
        async (statuses, mappings, graph, operations, sessionChoices) => {
          // Prepare
          const registry = new ModelRegistry(statuses, mappings);
          for (const member of graph) registry.apply({ kind: 'add', status: 'active', ...member });
          let clock = 1_000_000;
          const now = () => clock;
          const issue = createPreTokenGenerationHandler({ registry, config: tokenConfig, logger: quiet, now });
          const standing = new TenantStanding({
            reads: registry,
            memberships: { reads: registry, roleGroups: config.roleGroups },
            cacheTtlMs: config.cacheTtlMs,
            staleTtlMs: config.staleTtlMs,
            now,
          });
          const authorizer = new Authorizer({ verifier, routes: config.routes, tiers: config.tiers, standing });
          const tokens: { sub: string; tenantId: string; token: string }[] = [];

          for (const [step, op] of operations.entries()) {
            // Act
            registry.apply(op);
            clock += TTL_MS;
            for (const sub of USERS) {
              const issued = await tokenFor(sub, registry.active.get(sub), sessionChoices[step]);
              if (issued !== undefined) tokens.push({ sub, ...issued });
            }

            // Assess: every token ever issued, judged now (the TTL has passed since the change).
            for (const { sub, tenantId, token } of tokens) {
              for (const resource of [`GET/tenants/${tenantId}/me`, `GET/tenants/${tenantId}/admin/x`, 'GET/health']) {
                const decision = await authorizer.authorize({
                  authorization: `Bearer ${token}`,
                  methodArn: `${ARN_PREFIX}${resource}`,
                });
                stats[decision.effect] = (stats[decision.effect] ?? 0) + 1;
                if (decision.effect !== 'Allow') continue;
                expectHeld(
                  registry,
                  sub,
                  decision.context.tenantId,
                  decision.context.groups.split(',').filter(Boolean),
                );
              }
            }
          }

          /** Runs pre token generation for the user; a token (signed like Cognito's) or `undefined` if refused. */
          async function tokenFor(sub: string, active: string | undefined, session: string | undefined) {
            const event = loadEvent<TestEvent>('pre-token-generation/v2-authentication.json');
            event.request.userAttributes = {
              sub,
              ...(active === undefined ? {} : { 'custom:tenantId': active }),
              // Federated, in an IdP group that some tenants map to tenant-admin.
              identities: '[{"providerName":"IdP","providerType":"SAML","userId":"x"}]',
              'custom:idpGroups': '[Admins]',
            };
            event.request.groupConfiguration.groupsToOverride = ['tenant-admin', 'platform-admin'];
            if (session !== undefined) event.request.clientMetadata = { tenantId: session };
            const outcome = await issue(event).then(
              (result) => result.response,
              (error: unknown) => {
                if (!(error instanceof TenancyError)) throw error;
                return undefined;
              },
            );
            if (outcome === undefined) return undefined;
            const claims = tokensOf(outcome)[1]?.overrides ?? {};
            const tenantId = String(claims.tenantId);
            const groups = groupsOf(outcome) ?? [];
            // A token is issued only for a tenant the registry holds the user in, with that membership's roles.
            expectHeld(registry, sub, tenantId, groups);
            expect(tenantId).toBe(session ?? active);
            return {
              tenantId,
              token: signRs256(cognitoClaims({ sub, tenantId, tier: String(claims.tier), groups }), key),
            };
          }
        },
      ),
      { numRuns: 40 },
    );
    // Not vacuous: the runs did allow requests (and refuse others) with tokens issued along the way.
    expect(stats.Allow).toBeGreaterThan(0);
    expect(stats.Deny).toBeGreaterThan(0);
  }, 120_000);
});

/** The registry holds an active membership of an active tenant for the user, granting every group given. */
function expectHeld(registry: ModelRegistry, sub: string, tenantId: string | undefined, groups: readonly string[]) {
  const membership = registry.memberships.get(`${tenantId}#${sub}`);
  expect(membership?.status).toBe('active');
  expect(registry.tenants.get(String(tenantId))?.status).toBe('active');
  const ceiling = ROLES.indexOf(membership?.role as (typeof ROLES)[number]);
  const mapped =
    membership?.source === 'idp' ? Object.values(registry.tenants.get(String(tenantId))?.roleMappings ?? {}) : [];
  for (const group of groups) {
    const rank = ROLES.indexOf(group as (typeof ROLES)[number]);
    expect(mapped.includes(group) || (ceiling >= 0 && rank >= ceiling)).toBe(true);
  }
}
