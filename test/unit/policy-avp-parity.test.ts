import {
  IsAuthorizedCommand,
  type IsAuthorizedInput,
  VerifiedPermissionsClient,
} from '@aws-sdk/client-verifiedpermissions';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDecider, type Decider } from '../../shared/cedar/decide';
import { loadCedar } from '../../shared/cedar/engines/cedar-module';
import { EmbeddedEngine } from '../../shared/cedar/engines/embedded-engine';
import { cedarPolicySet } from '../../shared/cedar/policy-set';
import { PolicyEngineError } from '../../shared/runtime/errors';
import { caller, onDocument, onTenant } from '../support/policies';
import { principalFor, requestFor, scenarioCases, scenarioStores } from '../support/policy-scenario';
import type { MemoryPolicyStores } from '../support/policy-stores';

const avp = mockClient(VerifiedPermissionsClient);

/**
 * A stand-in for Verified Permissions that decides exactly what it receives: it reads the request the way AVP
 * documents it (identifiers, Cedar JSON entities and context) and evaluates it against the policies of the
 * store named by `policyStoreId`. The AVP engine can only match the embedded one if its requests carry
 * everything the decision needs, addressed to the right store.
 */
async function fakeAvp(stores: MemoryPolicyStores): Promise<void> {
  const cedar = await loadCedar();
  const byStore = new Map([...stores.records.values()].map((record) => [record.policyStoreId, record.tenantId]));
  avp.on(IsAuthorizedCommand).callsFake(async (input: IsAuthorizedInput) => {
    const tenantId = byStore.get(input.policyStoreId);
    const record = tenantId === undefined ? undefined : await stores.getRecord(tenantId);
    if (tenantId === undefined || record === undefined) throw new Error('ResourceNotFoundException');
    const answer = cedar.isAuthorized({
      principal: { type: input.principal?.entityType ?? '', id: input.principal?.entityId ?? '' },
      action: { type: input.action?.actionType ?? '', id: input.action?.actionId ?? '' },
      resource: { type: input.resource?.entityType ?? '', id: input.resource?.entityId ?? '' },
      context: input.context?.cedarJson === undefined ? {} : JSON.parse(input.context.cedarJson),
      entities: JSON.parse(input.entities?.cedarJson ?? '[]'),
      policies: cedarPolicySet({ ...record, version: '', links: await stores.listLinks(tenantId) }),
    });
    if (answer.type !== 'success') throw new Error('ValidationException');
    return {
      decision: answer.response.decision === 'allow' ? 'ALLOW' : 'DENY',
      determiningPolicies: answer.response.diagnostics.reason.map((policyId) => ({ policyId })),
      errors: [],
    };
  });
}

describe('the AVP engine', () => {
  let stores: MemoryPolicyStores;
  let viaAvp: Decider;
  let embedded: Decider;

  beforeAll(async () => {
    stores = scenarioStores();
    const client = new VerifiedPermissionsClient({ region: 'us-east-1' });
    viaAvp = createDecider({ config: { engine: 'avp', cacheTtlMs: 60_000 }, stores, avpClient: () => client });
    embedded = createDecider({
      config: { engine: 'embedded', cacheTtlMs: 60_000 },
      stores,
      links: stores,
      embedded: async () => new EmbeddedEngine(),
    });
  });

  afterEach(() => {
    avp.reset();
  });

  it.each(scenarioCases)(
    'answers as the embedded engine: $role, $relation, $action',
    async ({ role, relation, action }) => {
      // Prepare
      await fakeAvp(stores);
      const request = requestFor(principalFor(role, relation), action);

      // Act
      const [remote, local] = await Promise.all([viaAvp.decide(request), embedded.decide(request)]);

      // Assess
      expect(remote.decision).toBe(local.decision);
      expect([...remote.determiningPolicies].sort()).toEqual([...local.determiningPolicies].sort());
      expect(avp.commandCalls(IsAuthorizedCommand)).toHaveLength(1);
    },
  );

  it('sends the exact IsAuthorized request for a document: ids, entities with owner and tenant, groups as parents', async () => {
    // Prepare
    await fakeAvp(stores);

    // Act
    await viaAvp.decide(
      onDocument(caller('acme', 'bob', 'tenant-member'), 'ReadDocument', {
        id: 'doc-1',
        tenantId: 'acme',
        ownerSub: 'alice',
      }),
    );

    // Assess
    const [call] = avp.commandCalls(IsAuthorizedCommand);
    expect(call?.args[0].input).toStrictEqual({
      policyStoreId: 'ps-acme',
      principal: { entityType: 'Tenancy::User', entityId: 'bob' },
      action: { actionType: 'Tenancy::Action', actionId: 'ReadDocument' },
      resource: { entityType: 'Tenancy::Document', entityId: 'doc-1' },
      entities: { cedarJson: expect.any(String) },
    });
    expect(JSON.parse(call?.args[0].input.entities?.cedarJson ?? '')).toStrictEqual([
      {
        uid: { type: 'Tenancy::User', id: 'bob' },
        attrs: { tenant: { __entity: { type: 'Tenancy::Tenant', id: 'acme' } } },
        parents: [{ type: 'Tenancy::Role', id: 'tenant-member' }],
      },
      { uid: { type: 'Tenancy::Tenant', id: 'acme' }, attrs: {}, parents: [] },
      {
        uid: { type: 'Tenancy::Document', id: 'doc-1' },
        attrs: {
          owner: { __entity: { type: 'Tenancy::User', id: 'alice' } },
          tenant: { __entity: { type: 'Tenancy::Tenant', id: 'acme' } },
        },
        parents: [],
      },
    ]);
  });

  it('sends the exact IsAuthorized request for a tenant action, with context as Cedar JSON', async () => {
    // Prepare
    await fakeAvp(stores);

    // Act
    await viaAvp.decide({
      ...onTenant(caller('globex', 'erin', 'tenant-admin'), 'CreateDocument', 'globex'),
      context: { mfa: true },
    });

    // Assess
    const [call] = avp.commandCalls(IsAuthorizedCommand);
    expect(call?.args[0].input).toStrictEqual({
      policyStoreId: 'ps-globex',
      principal: { entityType: 'Tenancy::User', entityId: 'erin' },
      action: { actionType: 'Tenancy::Action', actionId: 'CreateDocument' },
      resource: { entityType: 'Tenancy::Tenant', entityId: 'globex' },
      entities: {
        cedarJson: JSON.stringify([
          {
            uid: { type: 'Tenancy::User', id: 'erin' },
            attrs: { tenant: { __entity: { type: 'Tenancy::Tenant', id: 'globex' } } },
            parents: [{ type: 'Tenancy::Role', id: 'tenant-admin' }],
          },
          { uid: { type: 'Tenancy::Tenant', id: 'globex' }, attrs: {}, parents: [] },
        ]),
      },
      context: { cedarJson: '{"mfa":true}' },
    });
  });

  it('asks the caller tenant store, with that tenant scoped client, whatever tenant the resource names', async () => {
    // Prepare
    await fakeAvp(stores);
    const clientsFor: string[] = [];
    const client = new VerifiedPermissionsClient({ region: 'us-east-1' });
    const decider = createDecider({
      config: { engine: 'avp', cacheTtlMs: 60_000 },
      stores,
      avpClient: (tenantId) => {
        clientsFor.push(tenantId);
        return client;
      },
    });

    // Act
    const { decision } = await decider.decide(
      onDocument(caller('globex', 'erin', 'tenant-admin'), 'DeleteDocument', {
        id: 'doc-1',
        tenantId: 'acme',
        ownerSub: 'alice',
      }),
    );

    // Assess
    expect(decision).toBe('deny');
    expect(clientsFor).toEqual(['globex']);
    expect(avp.commandCalls(IsAuthorizedCommand)[0]?.args[0].input.policyStoreId).toBe('ps-globex');
  });

  it('fails closed with PolicyEngineError when Verified Permissions cannot be reached', async () => {
    // Prepare
    avp.on(IsAuthorizedCommand).rejects(new Error('socket hang up'));

    // Act
    const attempt = viaAvp.decide(onTenant(caller('acme', 'alice'), 'ListDocuments', 'acme'));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(PolicyEngineError);
  });

  it('treats any answer other than ALLOW as deny', async () => {
    // Prepare
    avp.on(IsAuthorizedCommand).resolves({ decision: undefined, determiningPolicies: [], errors: [] });

    // Act
    const answer = await viaAvp.decide(onTenant(caller('acme', 'alice'), 'ListDocuments', 'acme'));

    // Assess
    expect(answer).toEqual({ decision: 'deny', determiningPolicies: [] });
  });
});
