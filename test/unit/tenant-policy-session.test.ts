import * as avpSdk from '@aws-sdk/client-verifiedpermissions';
import {
  BatchIsAuthorizedCommand,
  CreatePolicyCommand,
  type CreatePolicyInput,
  IsAuthorizedCommand,
  VerifiedPermissionsClient,
} from '@aws-sdk/client-verifiedpermissions';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ENTITY_TYPES, SHARE_TEMPLATE } from '../../shared/cedar/cedar-model';
import { createDecider } from '../../shared/cedar/decide';
import { tenantAvpClients } from '../../shared/cedar/engines/tenant-avp-clients';
import { shareLinkId } from '../../shared/cedar/policy-set';
import { createAvpLink } from '../../shared/cedar/sharing/avp-share';
import { TRIGGER_CLIENT_LIMITS } from '../../shared/runtime/dynamodb-client';
import { PolicyEngineError } from '../../shared/runtime/errors';
import { MemoryPolicyStores } from '../support/policy-stores';

// The tenant session's Verified Permissions client as the documents function builds it; the service behind it is
// stubbed, so a call the guard lets through is one the stub records.
const avp = mockClient(VerifiedPermissionsClient);

afterEach(() => {
  avp.reset();
});

const SHARE_TEMPLATE_ID = 'TshareAcme';
const GLOBAL_TEMPLATE_ID = 'TotherAcme';
const credentials = async () => ({ accessKeyId: 'k', secretAccessKey: 's' });

/** acme's store `ps-acme` with its share template recorded; globex's store `ps-globex`. */
function sessions() {
  const stores = new MemoryPolicyStores().addTenant('acme').addTenant('globex').addTenant('initech');
  for (const tenantId of ['acme', 'globex']) {
    const record = stores.records.get(tenantId);
    if (record === undefined) throw new Error('no record');
    stores.records.set(tenantId, {
      ...record,
      avpTemplateIds: { [SHARE_TEMPLATE]: tenantId === 'acme' ? SHARE_TEMPLATE_ID : 'TshareGlobex' },
    });
  }
  return { stores, clientFor: tenantAvpClients(credentials, TRIGGER_CLIENT_LIMITS, 10, stores) };
}

/** The share the share route sends for acme. */
const share = (overrides: Partial<CreatePolicyInput> = {}): CreatePolicyInput => ({
  policyStoreId: 'ps-acme',
  name: `name/share-${shareLinkId('plan-1', 'bob')}`,
  definition: {
    templateLinked: {
      policyTemplateId: SHARE_TEMPLATE_ID,
      principal: { entityType: ENTITY_TYPES.user, entityId: 'bob' },
      resource: { entityType: ENTITY_TYPES.document, entityId: 'plan-1' },
    },
  },
  ...overrides,
});
const linked = (changes: Record<string, unknown>) =>
  ({ templateLinked: { ...share().definition?.templateLinked, ...changes } }) as CreatePolicyInput['definition'];

describe('the tenant session writes nothing but shares (guardTenantSession)', () => {
  it('lets decisions through and a share of the share template into the tenant store', async () => {
    // Prepare
    const client = sessions().clientFor('acme');
    avp.on(IsAuthorizedCommand).resolves({ decision: 'ALLOW', determiningPolicies: [], errors: [] });
    avp.on(BatchIsAuthorizedCommand).resolves({ results: [] });
    avp.on(CreatePolicyCommand).resolves({ policyId: 'P1' });

    // Act
    await client.send(new IsAuthorizedCommand({ policyStoreId: 'ps-acme' }));
    await client.send(new BatchIsAuthorizedCommand({ policyStoreId: 'ps-acme', requests: [] }));
    await client.send(new CreatePolicyCommand(share()));

    // Assess
    expect(avp.calls()).toHaveLength(3);
    expect(avp.commandCalls(CreatePolicyCommand)[0]?.args[0].input).toEqual(share());
  });

  it.each([
    ['a static policy', share({ definition: { static: { statement: 'permit (principal, action, resource);' } } })],
    [
      'a static policy beside a link',
      share({
        definition: {
          ...linked({}),
          static: { statement: 'permit (principal, action, resource);' },
        } as unknown as CreatePolicyInput['definition'],
      }),
    ],
    [
      'a link of another template of the store',
      share({ definition: linked({ policyTemplateId: GLOBAL_TEMPLATE_ID }) }),
    ],
    [
      'a link of the share template of another tenant',
      share({ definition: linked({ policyTemplateId: 'TshareGlobex' }) }),
    ],
    ['a share into another tenant store', share({ policyStoreId: 'ps-globex' })],
    ['a link without a name', share({ name: undefined })],
    ['a link named like a global policy', share({ name: 'name/global-owner-manages-document' })],
    [
      'a link naming a role as principal',
      share({ definition: linked({ principal: { entityType: ENTITY_TYPES.role, entityId: 'tenant-admin' } }) }),
    ],
    [
      'a link naming the tenant as resource',
      share({ definition: linked({ resource: { entityType: ENTITY_TYPES.tenant, entityId: 'acme' } }) }),
    ],
    ['no definition at all', share({ definition: undefined })],
  ])('refuses %s before anything is sent', async (_case, input) => {
    // Prepare
    const client = sessions().clientFor('acme');

    // Act
    const sent = client.send(new CreatePolicyCommand(input));

    // Assess
    await expect(sent).rejects.toBeInstanceOf(PolicyEngineError);
    expect(avp.calls()).toHaveLength(0);
  });

  it('refuses every share of a tenant the registry records no store or share template for', async () => {
    // Prepare
    const client = sessions().clientFor('initech');

    // Act
    const sent = client.send(new CreatePolicyCommand(share({ policyStoreId: 'ps-initech' })));

    // Assess
    await expect(sent).rejects.toBeInstanceOf(PolicyEngineError);
    expect(avp.calls()).toHaveLength(0);
  });

  it('refuses every other command of the Verified Permissions API (each command class the SDK exports)', async () => {
    // Prepare
    const client = sessions().clientFor('acme');
    const allowed = new Set(['IsAuthorizedCommand', 'BatchIsAuthorizedCommand', 'CreatePolicyCommand']);
    const commands = Object.entries(avpSdk).filter(
      ([name, value]) => name.endsWith('Command') && typeof value === 'function' && !allowed.has(name),
    ) as [string, new (input: object) => object][];

    // Act
    const outcomes = await Promise.all(
      commands.map(async ([name, Command]) => {
        const error = await client.send(new Command({ policyStoreId: 'ps-acme' }) as never).catch((e: unknown) => e);
        return [name, error instanceof PolicyEngineError];
      }),
    );

    // Assess
    expect(commands.length).toBeGreaterThan(25);
    expect(outcomes.filter(([, refused]) => !refused)).toEqual([]);
    expect(avp.calls()).toHaveLength(0);
  });

  it('never lets a CreatePolicy through that is not exactly a share of the share template in the own store (property)', async () => {
    // Prepare
    const client = sessions().clientFor('acme');
    avp.on(CreatePolicyCommand).resolves({ policyId: 'P1' });
    // Each part is the share's own most of the time, so that exact shares and near misses are both generated.
    const mostly = <T>(valid: T, other: fc.Arbitrary<T>) =>
      fc.oneof({ arbitrary: fc.constant(valid), weight: 3 }, { arbitrary: other, weight: 1 });
    const entity = (type: string, id: string) =>
      fc.record({
        entityType: mostly(type, fc.constantFrom(...Object.values(ENTITY_TYPES), 'Other::User', '')),
        entityId: mostly(id, fc.string({ maxLength: 8 })),
      });
    const input = fc.record(
      {
        policyStoreId: mostly('ps-acme', fc.constantFrom('ps-globex', 'ps-initech', '', 'ps-acme ')),
        name: mostly(
          `name/share-${'a'.repeat(32)}`,
          fc.oneof(
            fc.string({ maxLength: 50 }),
            fc
              .string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 30, maxLength: 34 })
              .map((hex) => `name/share-${hex}`),
          ),
        ),
        definition: fc.oneof(
          { arbitrary: fc.record({ static: fc.record({ statement: fc.string({ maxLength: 20 }) }) }), weight: 1 },
          {
            arbitrary: fc.record({
              templateLinked: fc.record({
                policyTemplateId: mostly(SHARE_TEMPLATE_ID, fc.constantFrom(GLOBAL_TEMPLATE_ID, 'TshareGlobex', '')),
                principal: entity(ENTITY_TYPES.user, 'bob'),
                resource: entity(ENTITY_TYPES.document, 'plan-1'),
              }),
            }),
            weight: 3,
          },
        ),
      },
      { requiredKeys: [] },
    );
    const outcomes = { sent: 0, refused: 0 };

    await fc.assert(
      fc.asyncProperty(input, async (candidate) => {
        avp.resetHistory();
        // Act
        const outcome = await client
          .send(new CreatePolicyCommand(candidate as CreatePolicyInput))
          .then(() => 'sent')
          .catch((error: unknown) => (error instanceof PolicyEngineError ? 'refused' : 'crashed'));

        // Assess
        const link = (candidate.definition as { templateLinked?: Record<string, { entityType?: string }> })
          ?.templateLinked;
        const isShare =
          candidate.policyStoreId === 'ps-acme' &&
          /^name\/share-[0-9a-f]{32}$/.test(candidate.name ?? '') &&
          (link as { policyTemplateId?: string } | undefined)?.policyTemplateId === SHARE_TEMPLATE_ID &&
          link?.principal?.entityType === ENTITY_TYPES.user &&
          link?.resource?.entityType === ENTITY_TYPES.document;
        expect(outcome).toBe(isShare ? 'sent' : 'refused');
        expect(avp.calls()).toHaveLength(isShare ? 1 : 0);
        outcomes[outcome as 'sent' | 'refused'] += 1;
      }),
      { numRuns: 500, seed: 4122026 },
    );
    // Both sides of the rule were exercised.
    expect(outcomes.sent).toBeGreaterThan(10);
    expect(outcomes.refused).toBeGreaterThan(100);
  });

  it("is the client the share route writes with: a share goes through, into the tenant's store", async () => {
    // Prepare
    const { stores, clientFor } = sessions();
    avp.on(CreatePolicyCommand).resolves({ policyId: 'P1' });
    const deps = {
      engine: 'avp' as const,
      decider: createDecider({ config: { engine: 'avp', cacheTtlMs: 0 }, stores, avpClient: clientFor }),
      stores,
      isMember: async () => true,
      avpClient: clientFor,
    };

    // Act
    const created = await createAvpLink(deps, 'acme', shareLinkId('plan-1', 'bob'), 'bob', 'plan-1');

    // Assess
    expect(created).toBe(true);
    expect(avp.commandCalls(CreatePolicyCommand)[0]?.args[0].input).toEqual(share());
  });
});
