import { describe, expect, it } from 'vitest';
import { bindingKey, describeBinding, makeBinding, parseBindingKey } from '../../shared/registry/binding';
import { emailDomainOf, normalizeEmailDomain } from '../../shared/registry/email-domain';
import { registryConfigFromEnv } from '../../shared/registry/registry-config';
import { validateDirectoryUser } from '../../shared/registry/registry-rules';
import { assertTenantId, generateTenantId, isValidTenantId } from '../../shared/registry/tenant-id';
import { DEFAULT_TIERS, parseTiers } from '../../shared/registry/tiers';
import { ConfigurationError, InvalidInputError, UnknownTierError } from '../../shared/runtime/errors';

describe('tenant ids', () => {
  it('generates distinct lowercase ids that pass validation', () => {
    // Act
    const ids = Array.from({ length: 1000 }, generateTenantId);

    // Assess
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids) {
      expect(id).toMatch(/^t-[a-z2-7]{20}$/);
      expect(isValidTenantId(id)).toBe(true);
    }
  });

  it.each(['ab', 'Acme', 'acme_corp', '-acme', 'acme-', 'acme corp', 'a'.repeat(64), 'acme/../x', '', 'ac\u0000me'])(
    'rejects %j',
    (id) => {
      expect(() => assertTenantId(id)).toThrow(InvalidInputError);
    },
  );

  it.each(['acme', 'a-1', 't-abcdefghij234567abcd', 'a'.repeat(63)])('accepts %j', (id) => {
    expect(assertTenantId(id)).toBe(id);
  });
});

describe('e-mail domains', () => {
  it('normalises case and a trailing dot', () => {
    expect(normalizeEmailDomain(' Acme.Example. ')).toBe('acme.example');
  });

  it.each([
    'acme',
    'acme..example',
    '-acme.example',
    'acme.123',
    'ac me.example',
    'acme.example/x',
    `${'a'.repeat(64)}.example`,
    '',
  ])('rejects %j', (domain) => {
    expect(() => normalizeEmailDomain(domain)).toThrow(InvalidInputError);
  });

  it('takes the domain after the last @ of an address and ignores addresses without one', () => {
    expect(emailDomainOf('Jane.Doe@Sub.Acme.Example')).toBe('sub.acme.example');
    expect(emailDomainOf('"a@b"@acme.example')).toBe('acme.example');
    expect(emailDomainOf('no-at-sign')).toBeUndefined();
    expect(emailDomainOf('trailing@')).toBeUndefined();
    expect(emailDomainOf('x@not a domain')).toBeUndefined();
  });
});

describe('bindings', () => {
  it('round-trips every kind through its registry key', () => {
    // Prepare
    const bindings = [
      makeBinding('pool', 'us-east-1_AbC123'),
      makeBinding('idp', 'us-east-1_AbC123', 'Acme#SAML'),
      makeBinding('client', 'abc123'),
      makeBinding('domain', 'Acme.Example'),
    ];

    // Act
    const parsed = bindings.map((binding) => parseBindingKey(bindingKey(binding)));

    // Assess
    expect(parsed).toEqual(bindings);
    expect(bindings.map(describeBinding)).toEqual([
      'pool us-east-1_AbC123',
      'idp Acme#SAML of us-east-1_AbC123',
      'client abc123',
      'domain acme.example',
    ]);
  });

  it('rejects malformed pool ids, client ids and provider names', () => {
    expect(() => makeBinding('pool', 'AbC123')).toThrow(InvalidInputError);
    expect(() => makeBinding('pool', 'us-east-1_')).toThrow(InvalidInputError);
    expect(() => makeBinding('client', 'abc#def')).toThrow(InvalidInputError);
    expect(() => makeBinding('idp', 'us-east-1_AbC123')).toThrow(InvalidInputError);
    expect(() => makeBinding('idp', 'us-east-1_AbC123', '_Acme')).toThrow(InvalidInputError);
    expect(() => makeBinding('idp', 'us-east-1_AbC123', 'A'.repeat(33))).toThrow(InvalidInputError);
  });

  it('parses nothing from keys it did not make', () => {
    expect(parseBindingKey('TENANT#acme')).toBeUndefined();
    expect(parseBindingKey('POOL#')).toBeUndefined();
    expect(parseBindingKey('IDP#us-east-1_A')).toBeUndefined();
  });
});

describe('tiers', () => {
  it('defaults to free, standard and enterprise, lowest first', () => {
    expect(parseTiers(undefined)).toBe(DEFAULT_TIERS);
    expect(DEFAULT_TIERS.list).toEqual([
      { name: 'free', seatLimit: 5 },
      { name: 'standard', seatLimit: 100 },
      { name: 'enterprise', seatLimit: 10_000 },
    ]);
  });

  it('parses name=seats pairs in rank order', () => {
    // Act
    const tiers = parseTiers('basic=3, pro=30');

    // Assess
    expect(tiers.names).toEqual(['basic', 'pro']);
    expect(tiers.get('pro').seatLimit).toBe(30);
    expect([tiers.rank('basic'), tiers.rank('pro'), tiers.rank('gold')]).toEqual([0, 1, -1]);
    expect(() => tiers.get('gold')).toThrow(UnknownTierError);
  });

  it.each(['free', 'free=0', 'free=-1', 'free=1.5', 'free=5,free=6', 'Free=5', 'free=5=6', 'free=5,,pro=6'])(
    'rejects %j',
    (spec) => {
      expect(() => parseTiers(spec)).toThrow(ConfigurationError);
    },
  );
});

describe('registry configuration', () => {
  it('requires a table name and rejects unknown TENANCY_ settings', () => {
    expect(() => registryConfigFromEnv({})).toThrow('TENANCY_TABLE_NAME: is required');
    expect(() => registryConfigFromEnv({ TENANCY_TABLE_NAME: 'a b' })).toThrow(ConfigurationError);
    expect(() => registryConfigFromEnv({ TENANCY_TABLE_NAME: 'tenants', TENANCY_TABEL_NAME: 'x' })).toThrow(
      'TENANCY_TABEL_NAME: unknown setting',
    );
    expect(registryConfigFromEnv({ TENANCY_TABLE_NAME: 'tenants', TENANCY_TIERS: 'a=1' })).toMatchObject({
      tableName: 'tenants',
      tiers: { list: [{ name: 'a', seatLimit: 1 }] },
    });
  });
});

describe('Cognito user names', () => {
  it('accepts as a one-character user name exactly the code points that are neither whitespace nor control characters', () => {
    // Prepare: the rule as Cognito states it, with the Unicode property class the module spells out as ranges.
    const cognitoRule = /^[^\s\p{Cc}]$/u;
    const disagreements: number[] = [];

    // Act: every code point, lone surrogates included.
    for (let code = 0; code <= 0x10ffff; code++) {
      const username = String.fromCodePoint(code);
      let accepted = true;
      try {
        validateDirectoryUser({ userPoolId: 'us-east-1_Example1', username });
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        accepted = false;
      }
      if (accepted !== cognitoRule.test(username)) disagreements.push(code);
    }

    // Assess
    expect(disagreements).toEqual([]);
  });

  it('accepts 128 characters and refuses 129, an empty name and a name with an inner space or control character', () => {
    // Prepare
    const user = (username: string) => ({ userPoolId: 'us-east-1_Example1', username });

    // Act / Assess
    expect(validateDirectoryUser(user('é'.repeat(128))).username).toHaveLength(128);
    for (const username of ['é'.repeat(129), '', 'a b', 'a\u0085b', 'a\u2028b', 'a\u009fb', 'a\u007fb']) {
      expect(() => validateDirectoryUser(user(username)), JSON.stringify(username)).toThrow(InvalidInputError);
    }
  });
});
