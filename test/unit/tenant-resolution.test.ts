import { describe, expect, it } from 'vitest';
import { federatedProvider, newUserFromTrigger } from '../../shared/assignment/new-user';
import { selfServiceTenantId } from '../../shared/assignment/self-service-tenant';
import {
  bindingCandidates,
  type ResolutionLookups,
  type ResolutionPolicy,
  resolveTenant,
} from '../../shared/assignment/tenant-resolution';
import { bindingKey, makeBinding } from '../../shared/registry/binding';
import { isValidTenantId } from '../../shared/registry/tenant-id';
import { InvalidInputError } from '../../shared/runtime/errors';
import { loadEvent } from '../support/events';

const ASSIGN: ResolutionPolicy = { selfService: false, acceptUnverifiedEmail: false };
const GATE: ResolutionPolicy = { selfService: false, acceptUnverifiedEmail: true };

/** The seed file's bindings (events/tenants.json) plus a silo pool, as resolution sees them. */
function seedLookups(memberOf?: string): ResolutionLookups {
  const bindings = new Map<string, string>([
    [bindingKey(makeBinding('domain', 'acme.example')), 'acme'],
    [bindingKey(makeBinding('idp', 'us-east-1_Tenancy1', 'AcmeSAML')), 'acme'],
    [bindingKey(makeBinding('domain', 'globex.example')), 'globex'],
    [bindingKey(makeBinding('client', 'globexbridgeclient0000000')), 'globex'],
    [bindingKey(makeBinding('domain', 'initech.example')), 'initech'],
    [bindingKey(makeBinding('pool', 'us-east-1_HooliSilo')), 'hooli'],
  ]);
  return { memberOf, bindings };
}

const postConfirmation = (name: string) => newUserFromTrigger(loadEvent(`post-confirmation/${name}.json`));
const preSignUp = (name: string) => newUserFromTrigger(loadEvent(`pre-sign-up/${name}.json`));

describe('tenant resolution (pure)', () => {
  it.each([
    ['domain-join', 'acme', 'domain'],
    ['idp-join', 'acme', 'idp'],
    ['client-binding', 'globex', 'client'],
    ['pool-binding', 'hooli', 'pool'],
    ['refuse-suspended-tenant', 'initech', 'domain'],
  ])('places the post confirmation user of %s in %s by %s binding', (name, tenantId, source) => {
    // Prepare
    const user = postConfirmation(name);

    // Act
    const resolution = resolveTenant(user, seedLookups(), ASSIGN);

    // Assess
    expect(resolution).toMatchObject({ kind: 'join', tenantId, source });
  });

  it('prefers an existing membership over every binding, so a retry never reassigns', () => {
    // Prepare
    const user = postConfirmation('unbacked-tenant-attribute');

    // Act
    const resolution = resolveTenant(user, seedLookups('globex'), ASSIGN);

    // Assess
    expect(resolution).toEqual({ kind: 'member', tenantId: 'globex' });
  });

  it.each([
    ['idp-join', ['pool', 'idp', 'client'], 'pool:silo'],
    ['idp-join', ['idp', 'client'], 'idp:acme'],
    ['idp-join', ['client'], 'client:globex'],
    ['domain-join', ['pool', 'client', 'domain'], 'pool:silo'],
    ['domain-join', ['client', 'domain'], 'client:globex'],
    ['domain-join', ['domain'], 'domain:acme'],
  ])('resolves %s with %j bound by the first in design order (%s)', (name, bound, expected) => {
    // Prepare: the user signs up through the bridge client of a pool that may be a silo
    const event = loadEvent<{ callerContext: { clientId: string } }>(`post-confirmation/${name}.json`);
    event.callerContext.clientId = 'globexbridgeclient0000000';
    const all = {
      pool: [makeBinding('pool', 'us-east-1_Tenancy1'), 'silo'],
      idp: [makeBinding('idp', 'us-east-1_Tenancy1', 'AcmeSAML'), 'acme'],
      client: [makeBinding('client', 'globexbridgeclient0000000'), 'globex'],
      domain: [makeBinding('domain', 'acme.example'), 'acme'],
    } as const;
    const bindings = new Map(
      bound.map((kind) => [bindingKey(all[kind as keyof typeof all][0]), all[kind as keyof typeof all][1]]),
    );

    // Act
    const resolution = resolveTenant(newUserFromTrigger(event), { memberOf: undefined, bindings }, ASSIGN);

    // Assess
    expect(resolution.kind === 'join' ? `${resolution.source}:${resolution.tenantId}` : resolution.kind).toBe(expected);
  });

  it('never uses an IdP-asserted e-mail for domain joining, even when the IdP says it is verified', () => {
    // Prepare
    const user = postConfirmation('refuse-federated-email-domain');

    // Act
    const resolution = resolveTenant(user, seedLookups(), ASSIGN);
    const candidates = bindingCandidates(user, GATE).map((candidate) => candidate.source);

    // Assess
    expect(user).toMatchObject({ federated: true, providerName: 'Google', emailVerified: false });
    expect(candidates).not.toContain('domain');
    expect(resolution.kind).toBe('refuse');
  });

  it('refuses a domain join at post confirmation while the e-mail is unverified', () => {
    // Prepare
    const user = postConfirmation('refuse-unverified-email');

    // Act
    const resolution = resolveTenant(user, seedLookups(), ASSIGN);

    // Assess
    expect(resolution).toMatchObject({ kind: 'refuse', reason: expect.stringContaining('not verified') });
  });

  it('lets the pre sign-up gate check an unverified e-mail domain, which post confirmation would not', () => {
    // Prepare
    const user = preSignUp('sign-up-domain');

    // Act
    const gate = resolveTenant(user, seedLookups(), GATE);
    const assign = resolveTenant(user, seedLookups(), ASSIGN);

    // Assess
    expect(gate).toMatchObject({ kind: 'join', tenantId: 'acme', source: 'domain' });
    expect(assign.kind).toBe('refuse');
  });

  it('falls back to self-service only when enabled and nothing else matches', () => {
    // Prepare
    const user = postConfirmation('self-service');

    // Act
    const enabled = resolveTenant(user, seedLookups(), { ...ASSIGN, selfService: true });
    const disabled = resolveTenant(user, seedLookups(), ASSIGN);
    const bound = resolveTenant(postConfirmation('domain-join'), seedLookups(), { ...ASSIGN, selfService: true });

    // Assess
    expect(enabled).toEqual({ kind: 'self-service' });
    expect(disabled.kind).toBe('refuse');
    expect(bound).toMatchObject({ kind: 'join', tenantId: 'acme' });
  });

  it('reads the provider of a pre sign-up federated user from its user name', () => {
    // Prepare
    const user = preSignUp('external-provider-idp');

    // Act
    const resolution = resolveTenant(user, seedLookups(), GATE);

    // Assess
    expect(user).toMatchObject({ federated: true, providerName: 'AcmeSAML', sub: undefined });
    expect(resolution).toMatchObject({ kind: 'join', tenantId: 'acme', source: 'idp' });
  });

  it.each([
    [
      'identities agreeing with the user name prefix',
      '[{"providerName":"AcmeSAML"}]',
      'AcmeSAML_123',
      'AcmeSAML',
      false,
    ],
    [
      'a provider with an inner _ named by identities',
      '[{"providerName":"Acme_SAML"}]',
      'Acme_SAML_1',
      'Acme_SAML',
      false,
    ],
    ['the user name alone before identities exist', undefined, 'AcmeSAML_123', 'AcmeSAML', false],
    ['a user name without a provider prefix', undefined, 'nobody', undefined, false],
    [
      'identities naming another provider than the user name',
      '[{"providerName":"AcmeSAML"}]',
      'EvilOIDC_u11',
      undefined,
      true,
    ],
    ['identities naming a prefix of the real provider', '[{"providerName":"Acme"}]', 'AcmeSAML_1', undefined, true],
    ['unreadable identities', '[{not json', 'AcmeSAML_123', undefined, true],
    ['identities without a provider name', '[{}]', 'AcmeSAML_123', undefined, true],
  ])('determines the provider: %s', (_, identities, userName, expected, conflict) => {
    // Act
    const provider = federatedProvider(identities, userName);

    // Assess
    expect(provider.providerName).toBe(expected);
    expect(provider.conflict !== undefined).toBe(conflict);
  });

  it.each([
    ['pre sign-up', 'pre-sign-up/external-provider-idp.json', GATE],
    ['post confirmation', 'post-confirmation/idp-join.json', ASSIGN],
  ])('refuses at %s a user named EvilOIDC_u11 whose identities claim the bound AcmeSAML', (_, file, policy) => {
    // Prepare
    const event = loadEvent<{ userName: string; request: { userAttributes: Record<string, string> } }>(file);
    event.userName = 'EvilOIDC_u11';
    event.request.userAttributes.identities = JSON.stringify([{ providerName: 'AcmeSAML', providerType: 'SAML' }]);
    const user = newUserFromTrigger(event);

    // Act
    const resolution = resolveTenant(user, seedLookups(), policy);

    // Assess
    expect(user.providerConflict).toContain('AcmeSAML');
    expect(resolution).toMatchObject({ kind: 'refuse', code: 'no-binding' });
  });

  it('ignores a malformed client id instead of failing the sign-up', () => {
    // Prepare
    const event = loadEvent<{ callerContext: { clientId: string } }>('post-confirmation/refuse-unbound-domain.json');
    event.callerContext.clientId = 'bad client id!';

    // Act
    const user = newUserFromTrigger(event);

    // Assess
    expect(user.clientId).toBeUndefined();
    expect(bindingCandidates(user, ASSIGN).map((candidate) => candidate.source)).toEqual(['pool', 'domain']);
  });

  it.each([
    ['no request', { triggerSource: 'PreSignUp_SignUp', userPoolId: 'us-east-1_Tenancy1', userName: 'x' }],
    ['a malformed pool id', { ...loadEvent('pre-sign-up/sign-up-domain.json'), userPoolId: 'pool' }],
    ['no user name', { ...loadEvent('pre-sign-up/sign-up-domain.json'), userName: '' }],
  ])('rejects an event with %s', (_, event) => {
    // Act
    const read = () => newUserFromTrigger(event);

    // Assess
    expect(read).toThrow(InvalidInputError);
  });

  it('derives the same valid self-service tenant id for the same user, and different ones for others', () => {
    // Act
    const first = selfServiceTenantId('us-east-1_Tenancy1', '4f9c0d1e-5a6b-4c7d-8e3f-4a5b6c7d8e9f');
    const again = selfServiceTenantId('us-east-1_Tenancy1', '4f9c0d1e-5a6b-4c7d-8e3f-4a5b6c7d8e9f');
    const other = selfServiceTenantId('us-east-1_Tenancy1', '5a0d1e2f-6b7c-4d8e-9f4a-5b6c7d8e9f0a');

    // Assess
    expect(first).toBe(again);
    expect(first).not.toBe(other);
    expect(first).toMatch(/^t-[a-z2-7]{20}$/);
    expect(isValidTenantId(first)).toBe(true);
  });
});
