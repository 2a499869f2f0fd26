import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { policyEffect } from '../../shared/authorizer/authorization-policy';
import { Authorizer } from '../../shared/authorizer/authorize';
import { authorizerConfigFromEnv } from '../../shared/authorizer/authorizer-config';
import {
  CONFUSABLE_SEPARATORS,
  isCanonicalPath,
  NFKC_LOOKALIKES,
  NON_CANONICAL_RESOURCES,
  REFUSED_CHARACTERS,
} from '../../shared/authorizer/request-path';
import { createCognitoJwtVerifier, TokenVerifier } from '../../shared/authorizer/token-verifier';
import { useJwksServer } from '../support/jwks-server';
import { ARN_PREFIX, CLIENT_ID, cognitoClaims, createSigningKey, POOL_ID, signRs256 } from '../support/jwt';

const arn = (resource: string) => `${ARN_PREFIX}${resource}`;

// Every path quoted in issue 19, each with the refusal it must get, fresh and from a cached policy.
const QUOTED: readonly [string, string][] = [
  ['GET/tenants/acme/admin/..;/..;/globex/me', 'non-canonical-path'],
  ['GET/tenants/acme/admin/..;x=1/..;x=1/globex/me', 'non-canonical-path'],
  ['GET/tenants/acme/admin/..%3b/..%3b/globex/me', 'non-canonical-path'],
  ['GET/tenants/acme/admin/..∕..∕globex/me', 'non-canonical-path'],
  ['GET/tenants/acme/admin/..⁄..⁄globex/me', 'non-canonical-path'],
  ['GET/tenants/acme/admin/%zz', 'non-canonical-path'],
  ['GET/tenants/acme/admin/%80', 'non-canonical-path'],
  ['GET/tenants/acme/admin/%C2', 'non-canonical-path'],
  ['GET/tenants/acme/admin/%F0%80%80%AE%F0%80%80%AE/%F0%80%80%AE%F0%80%80%AE/globex/me', 'non-canonical-path'],
  ['GET/tenants/acme/admin/%u002e%u002e/%u002e%u002e/globex/me', 'non-canonical-path'],
  ['GET/tenants/acme/admin/℀', 'non-canonical-path'],
  ['DELETE/tenants/acme/documents/a/b/c', 'unknown-route'],
];

describe('the canonical-path rule', () => {
  const key = createSigningKey('canonical-key');
  const server = useJwksServer({ [POOL_ID]: [key] });
  let authorizer: Authorizer;

  beforeAll(() => {
    const config = authorizerConfigFromEnv({
      TENANCY_USER_POOL_IDS: POOL_ID,
      TENANCY_CLIENT_IDS: CLIENT_ID,
      TENANCY_JWKS_URI: server.template,
    });
    const verifier = new TokenVerifier(createCognitoJwtVerifier(config), config.claimNames, 10, config.roleGroups);
    authorizer = new Authorizer({ verifier, routes: config.routes, tiers: config.tiers });
  });

  it.each(QUOTED)('refuses %j with %s, fresh and from the policy a tenant admin cached', async (resource, reason) => {
    // Prepare
    const authorization = `Bearer ${signRs256(cognitoClaims({ groups: ['tenant-admin'] }), key)}`;
    const cached = await authorizer.authorize({ authorization, methodArn: arn('GET/tenants/acme/admin/users') });
    if (cached.effect !== 'Allow') throw new Error('the admin request must be allowed');

    // Act
    const fresh = await authorizer.authorize({ authorization, methodArn: arn(resource) });

    // Assess
    expect(fresh).toMatchObject({ effect: 'Deny', reason });
    expect(policyEffect(cached.policy, arn(resource))).toBe('Deny');
    expect(policyEffect(cached.policy, arn('DELETE/tenants/acme/documents/0f8fad5b-d9cb-469f-a165-70867728950e'))).toBe(
      'Allow',
    );
  });

  it('lists every character whose NFKC form holds a slash, backslash, semicolon, percent sign or confusable separator, or only dots', () => {
    // Prepare
    const found: string[] = [];

    // Act
    for (let code = 0x80; code <= 0x10ffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const character = String.fromCodePoint(code);
      const normal = character.normalize('NFKC');
      const confusable = normal !== character && [...normal].some((part) => CONFUSABLE_SEPARATORS.includes(part));
      if (/[/\\;%]/.test(normal) || /^\.+$/.test(normal) || confusable) found.push(character);
    }

    // Assess
    expect(found).toEqual(NFKC_LOOKALIKES);
  });

  it('denies in every policy each character it refuses, and nothing NFKC leaves alone except the confusable separators', () => {
    // Act
    const patterns = REFUSED_CHARACTERS.map((character) => `*${character}*`);
    const notNfkc = CONFUSABLE_SEPARATORS.filter((character) => character.normalize('NFKC') !== character);

    // Assess
    expect(NON_CANONICAL_RESOURCES).toEqual(expect.arrayContaining(patterns));
    expect(notNfkc).toEqual([]);
  });

  it('never accepts a path that a decoding or normalising backend reads as other segments or dot segments', () => {
    // Prepare
    const piece = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 4 }),
      fc.constantFrom('.', '..', '%2e', '%', ';', '\\', '∕', '⁄', '℀', '．', '％2e', 'a', 'acme', 'é', '⒈'),
    );
    const path = fc
      .array(fc.array(piece, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 5 })
      .map((segments) => `/${segments.map((parts) => parts.join('')).join('/')}`);
    // What backends do with a path: decode it (leniently: a malformed escape stays), normalise it (NFKC), fold
    // look-alike separators, treat `\` as `/`, drop `;…` path parameters.
    const readings = (value: string): string[] => {
      const decoded = value.replace(/%([0-9a-f]{2})/gi, (_all, hex: string) =>
        String.fromCharCode(Number.parseInt(hex, 16)),
      );
      const normal = decoded.normalize('NFKC');
      const folded = [...normal]
        .map((character) => (CONFUSABLE_SEPARATORS.includes(character) ? '/' : character))
        .join('');
      return [decoded, normal, folded, folded.replaceAll('\\', '/'), folded.replace(/;[^/]*/g, '')];
    };

    // Act
    const act = () =>
      fc.assert(
        fc.property(path, (candidate) => {
          fc.pre(candidate !== '/' && isCanonicalPath(candidate));
          const count = candidate.split('/').length;
          for (const reading of readings(candidate)) {
            const segments = reading.split('/');
            expect(segments.length).toBe(count);
            expect(segments.slice(1).filter((part) => part === '' || part === '.' || part === '..')).toEqual([]);
          }
        }),
        { numRuns: 5000, seed: 19 },
      );

    // Assess
    expect(act).not.toThrow();
  });
});
