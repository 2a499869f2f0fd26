import { type Binding, bindingKey } from '../../shared/registry/binding';
import type { Membership, MembershipSource, Tenant } from '../../shared/registry/tenant';
import type { PreTokenResponse } from '../../shared/tokens/claims';
import { type PreTokenConfig, preTokenConfigFromEnv } from '../../shared/tokens/pre-token-config';
import type {
  PreTokenGenerationDeps,
  PreTokenRegistryReads,
  TriggerLogger,
} from '../../shared/tokens/pre-token-generation';

/**
 * The registry state the events in `events/pre-token-generation/` are written against. Tenant ids, tiers and
 * the client binding follow `events/tenants.json`; `acme` additionally maps an IdP group onto the platform
 * group, to show that no mapping can grant it, and `vandelay` is a disabled tenant.
 */
export const TENANTS: readonly Tenant[] = [
  tenant('acme', 'standard', 'active', {
    AcmeAdmins: 'tenant-admin',
    AcmeStaff: 'tenant-member',
    AcmeRoot: 'platform-admin',
  }),
  tenant('globex', 'enterprise', 'active', {}),
  tenant('initech', 'free', 'suspended', {}),
  tenant('vandelay', 'standard', 'disabled', {}),
];

/**
 * Memberships (tenant, sub, role, source) of the users in the events, as `events/tenants.json` has them;
 * mallory is a member of acme, not of globex; dave joined acme through its IdP; alice is also an admin of
 * globex (a second membership, for per-session tenant choices).
 */
export const MEMBERSHIPS: readonly (readonly [string, string, string, MembershipSource?])[] = [
  ['acme', '7a3f9c2e-1b4d-4e8a-9c6f-2d5e8b1a0c47', 'tenant-member'], // alice
  ['globex', '7a3f9c2e-1b4d-4e8a-9c6f-2d5e8b1a0c47', 'tenant-admin'], // alice, second tenant
  ['acme', 'b0b5e1c2-3d4f-4a6b-8c9d-0e1f2a3b4c5d', 'tenant-admin'], // bob
  ['acme', 'c4a01e55-6f7a-4b8c-9d0e-1f2a3b4c5d6e', 'tenant-member'], // carol
  ['acme', 'd4e5f6a7-b8c9-4d0e-8f1a-2b3c4d5e6f70', 'tenant-member', 'idp'], // dave (federated)
  ['globex', 'e1e2e3e4-f5f6-4a7b-8c9d-0a1b2c3d4e5f', 'tenant-admin'], // erin
  ['globex', 'a9b8c7d6-e5f4-4a3b-8c2d-1e0f9a8b7c6d', 'tenant-member'], // grace
  ['initech', 'f0f1f2f3-a4a5-4b6c-8d7e-9f0a1b2c3d4e', 'tenant-admin'], // fred
  ['vandelay', '5e5e5e5e-0000-4000-8000-000000000001', 'tenant-member'], // art
  ['acme', '0badc0de-1234-4567-89ab-cdef01234567', 'tenant-member'], // mallory
];

/** Client bindings: the globex bridge client of `events/tenants.json`. */
export const CLIENT_BINDINGS: Readonly<Record<string, string>> = { globexbridgeclient0000000: 'globex' };

/** The settings the events are written for. */
export const BASE_ENV = { TENANCY_IDP_GROUPS_ATTRIBUTE: 'custom:idpGroups' } as const;

/** The configuration for `BASE_ENV` plus overrides. */
export function testConfig(env: Record<string, string> = {}): PreTokenConfig {
  return preTokenConfigFromEnv({ ...BASE_ENV, ...env });
}

function tenant(
  tenantId: string,
  tier: string,
  status: Tenant['status'],
  roleMappings: Record<string, string>,
): Tenant {
  return {
    tenantId,
    name: tenantId,
    tier,
    status,
    seats: 1,
    roleMappings,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
  };
}

/** An in-memory registry that counts its reads and can be made to fail, for tests without I/O. */
export class MemoryRegistry implements PreTokenRegistryReads {
  readonly reads = { tenant: 0, membership: 0, binding: 0 };
  failing = false;
  readonly tenants = new Map<string, Tenant>(TENANTS.map((entry) => [entry.tenantId, entry]));
  /** Memberships by `<tenantId>/<sub>`; tests change them (a role, a status, a removal). */
  readonly memberships = new Map<string, Membership>(
    MEMBERSHIPS.map(([tenantId, sub, role, source]) => [
      `${tenantId}/${sub}`,
      { tenantId, sub, role, status: 'active', source: source ?? 'invite', joinedAt: '2025-01-01T00:00:00.000Z' },
    ]),
  );
  readonly bindings = new Map<string, string>(
    Object.entries(CLIENT_BINDINGS).map(([clientId, tenantId]) => [`CLIENT#${clientId}`, tenantId]),
  );

  async getTenant(tenantId: string): Promise<Tenant | undefined> {
    this.reads.tenant++;
    this.#fail();
    return this.tenants.get(tenantId);
  }

  async getMembership(tenantId: string, sub: string): Promise<Membership | undefined> {
    this.reads.membership++;
    this.#fail();
    return this.memberships.get(`${tenantId}/${sub}`);
  }

  async resolveBinding(binding: Binding): Promise<string | undefined> {
    this.reads.binding++;
    this.#fail();
    return this.bindings.get(bindingKey(binding));
  }

  #fail(): void {
    if (this.failing) throw new Error('registry down');
  }
}

/** A logger that records every call, to assert what is (and is not) logged. */
export class RecordingLogger implements TriggerLogger {
  readonly calls: { method: string; args: unknown[] }[] = [];
  info = (...args: unknown[]) => void this.calls.push({ method: 'info', args });
  warn = (...args: unknown[]) => void this.calls.push({ method: 'warn', args });
  error = (...args: unknown[]) => void this.calls.push({ method: 'error', args });
  appendKeys = (...args: unknown[]) => void this.calls.push({ method: 'appendKeys', args });
  resetKeys = () => void this.calls.push({ method: 'resetKeys', args: [] });
}

/** Dependencies over a fresh in-memory registry and recording logger. */
export function testDeps(
  overrides: Partial<PreTokenGenerationDeps> = {},
): PreTokenGenerationDeps & { registry: MemoryRegistry; logger: RecordingLogger } {
  return {
    registry: new MemoryRegistry(),
    config: testConfig(),
    logger: new RecordingLogger(),
    ...overrides,
  } as PreTokenGenerationDeps & { registry: MemoryRegistry; logger: RecordingLogger };
}

/** A sample event as tests edit it: the parts they touch are typed, the rest is left as it came. */
export interface TestEvent {
  [key: string]: unknown;
  request: {
    [key: string]: unknown;
    userAttributes: Record<string, unknown>;
    groupConfiguration: { groupsToOverride: string[] };
    clientMetadata?: unknown;
  };
}

/** Claim changes per token of a response: the ID token (V1, or V1/V2 user tokens) first, then the access token. */
export function tokensOf(response: PreTokenResponse): { overrides: Record<string, unknown>; suppress: string[] }[] {
  if ('claimsOverrideDetails' in response) {
    const details = response.claimsOverrideDetails;
    return [{ overrides: details.claimsToAddOrOverride, suppress: details.claimsToSuppress ?? [] }];
  }
  const details = response.claimsAndScopeOverrideDetails;
  return [details.idTokenGeneration, details.accessTokenGeneration]
    .filter((token) => token !== undefined)
    .map((token) => ({ overrides: token.claimsToAddOrOverride, suppress: token.claimsToSuppress ?? [] }));
}

/** The `groupsToOverride` of a response, or `undefined` when it overrides no groups. */
export function groupsOf(response: PreTokenResponse): string[] | undefined {
  return 'claimsOverrideDetails' in response
    ? response.claimsOverrideDetails.groupOverrideDetails.groupsToOverride
    : response.claimsAndScopeOverrideDetails.groupOverrideDetails?.groupsToOverride;
}
