import { describe, expect, it } from 'vitest';
import { parseSeed } from '../../shared/operations/tenant-seed';
import {
  validateMembership,
  validateNewTenant,
  validateRoleMappings,
  validateStatus,
} from '../../shared/registry/registry-rules';
import { DEFAULT_TIERS } from '../../shared/registry/tiers';
import { InvalidInputError, UnknownTierError } from '../../shared/runtime/errors';

const good = { tenantId: 'acme', name: 'Acme', tier: 'free' };
const seed = (...tenants: unknown[]) => JSON.stringify({ tenants });

describe('seed files are checked whole, with the registry rules, before anything is written', () => {
  it('reads a complete seed with defaults for status, role and optional lists', () => {
    // Act
    const [tenant] = parseSeed(
      seed({
        ...good,
        roleMappings: { Admins: 'tenant-admin' },
        bindings: [
          { kind: 'idp', userPoolId: 'us-east-1_Abc', providerName: 'AcmeSAML' },
          { kind: 'client', clientId: 'client1' },
        ],
        members: [{ sub: 'user-1' }],
      }),
      DEFAULT_TIERS,
    );

    // Assess
    expect(tenant).toMatchObject({
      tenantId: 'acme',
      status: 'active',
      roleMappings: { Admins: 'tenant-admin' },
      members: [{ sub: 'user-1', role: 'tenant-member' }],
    });
    expect(tenant?.bindings).toHaveLength(2);
  });

  it.each([
    ['text that is not JSON', '{', 'seed file is not valid JSON'],
    ['no tenants list', JSON.stringify({ tenant: [] }), 'must be an object with a "tenants" array'],
    ['a list at the top', JSON.stringify([good]), 'must be an object with a "tenants" array'],
    ['a tenant that is not an object', seed('acme'), 'tenants[0]: must be an object'],
    ['an unknown field', seed({ ...good, owner: 'me' }), 'tenants[0]: has unknown field(s): owner'],
    ['no tenant id', seed({ name: 'Acme', tier: 'free' }), 'tenants[0]: needs a tenantId'],
    ['a malformed tenant id', seed({ ...good, tenantId: 'Acme!' }), 'tenants[0]: invalid tenant id'],
    ['a name that is not a string', seed({ ...good, name: 7 }), 'tenants[0]: tenant name must be'],
    ['an unknown status', seed({ ...good, status: 'frozen' }), 'tenants[0]: invalid status "frozen"'],
    ['role mappings that are a list', seed({ ...good, roleMappings: ['a'] }), 'tenants[0]: roleMappings must map'],
    ['a tenant listed twice', seed(good, good), 'tenants[1]: tenant acme is listed twice'],
    ['bindings that are not a list', seed({ ...good, bindings: {} }), 'tenants[0]: bindings must be a list'],
    ['a binding of an unknown kind', seed({ ...good, bindings: [{ kind: 'ip' }] }), 'tenants[0].bindings[0]: kind'],
    [
      'a binding without its value',
      seed({ ...good, bindings: [{ kind: 'domain' }] }),
      'tenants[0].bindings[0]: domain must be a string',
    ],
    [
      'a binding listed for two tenants',
      seed(
        { ...good, bindings: [{ kind: 'domain', domain: 'acme.example' }] },
        { ...good, tenantId: 'globex', bindings: [{ kind: 'domain', domain: 'ACME.example' }] },
      ),
      'domain acme.example is listed for both acme and globex',
    ],
    ['a member that is not an object', seed({ ...good, members: ['user-1'] }), 'tenants[0].members[0]: must be'],
    ['a member with a bad sub', seed({ ...good, members: [{ sub: 'a#b' }] }), 'invalid user sub "a#b"'],
    [
      'a user listed twice in one tenant',
      seed({ ...good, members: [{ sub: 'user-1' }, { sub: 'user-1', role: 'tenant-admin' }] }),
      'tenants[0].members[1]: user user-1 is listed twice in acme',
    ],
  ])('refuses %s, saying where', (_case, text, message) => {
    // Act & Assess
    expect(() => parseSeed(text, DEFAULT_TIERS)).toThrow(InvalidInputError);
    expect(() => parseSeed(text, DEFAULT_TIERS)).toThrow(message);
  });
});

describe('seed files with a user in several tenants', () => {
  it('accepts one user as a member of several tenants, with a role in each', () => {
    // Prepare
    const text = JSON.stringify({
      tenants: [
        { tenantId: 'acme', name: 'Acme', tier: 'free', members: [{ sub: 'user-1', role: 'tenant-admin' }] },
        { tenantId: 'globex', name: 'Globex', tier: 'free', members: [{ sub: 'user-1' }] },
      ],
    });

    // Act
    const parsed = parseSeed(text, DEFAULT_TIERS);

    // Assess
    expect(parsed.map((tenant) => tenant.members)).toEqual([
      [{ sub: 'user-1', role: 'tenant-admin' }],
      [{ sub: 'user-1', role: 'tenant-member' }],
    ]);
  });
});

describe('registry input rules', () => {
  it.each([
    ['an empty IdP group name', { '': 'tenant-admin' }],
    ['an IdP group name over 256 characters', { ['g'.repeat(257)]: 'tenant-admin' }],
    ['a role with a comma', { Admins: 'tenant-admin,platform-admin' }],
  ])('refuses role mappings with %s', (_case, mappings) => {
    // Act & Assess
    expect(() => validateRoleMappings(mappings)).toThrow(InvalidInputError);
  });

  it.each(['', 'x'.repeat(129), 'Acme\u0007Corp', '   '])('refuses the tenant name %j', (name) => {
    // Act & Assess
    expect(() => validateNewTenant({ tenantId: 'acme', name, tier: 'free' }, DEFAULT_TIERS)).toThrow(
      'tenant name must be 1-128 printable characters',
    );
  });

  it('refuses an unknown tier with the known ones, and generates an id when none is given', () => {
    // Act
    const generated = validateNewTenant({ name: ' Acme ', tier: 'free' }, DEFAULT_TIERS);

    // Assess
    expect(() => validateNewTenant({ name: 'Acme', tier: 'gold' }, DEFAULT_TIERS)).toThrow(UnknownTierError);
    expect(generated.tenantId).toMatch(/^t-[a-z2-7]{20}$/);
    expect(generated.name).toBe('Acme');
  });

  it('refuses an unknown status and an unknown membership source', () => {
    // Act & Assess
    expect(() => validateStatus('deleted')).toThrow('invalid status "deleted"');
    expect(() =>
      validateMembership({ tenantId: 'acme', sub: 'user-1', role: 'tenant-member', source: 'magic' as 'invite' }),
    ).toThrow('invalid membership source "magic"');
  });
});
