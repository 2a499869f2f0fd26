import {
  BatchIsAuthorizedCommand,
  type BatchIsAuthorizedInput,
  type BatchIsAuthorizedOutput,
  VerifiedPermissionsClient,
} from '@aws-sdk/client-verifiedpermissions';
import fc from 'fast-check';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { type DecisionRequest, ENTITY_TYPES, SHARE_TEMPLATE } from '../../shared/cedar/cedar-model';
import { createDecider, type Decider } from '../../shared/cedar/decide';
import { BATCH_CONCURRENCY, BATCH_SIZE } from '../../shared/cedar/engines/avp-engine';
import { EmbeddedEngine } from '../../shared/cedar/engines/embedded-engine';
import { cedarReadFilter } from '../../shared/documents/cedar-document-decider';
import { PolicyEngineError } from '../../shared/runtime/errors';
import { BATCH_MAX_REQUESTS, FakeAvp } from '../support/fake-avp';
import { caller, onDocument, repositoryPolicySet, share } from '../support/policies';
import { MemoryPolicyStores } from '../support/policy-stores';

const TENANT = 'acme';
const USERS = ['alice', 'bob', 'carol', 'dana'] as const;

const client = new VerifiedPermissionsClient({ region: 'us-east-1' });
// A fresh fake per test: a test that stubs one answer leaves the next test the documented behaviour.
let avp: FakeAvp;

beforeEach(() => {
  avp = new FakeAvp();
});

afterAll(() => {
  avp.restore();
});

/** A tenant whose AVP store (in the fake) and embedded set (in memory) hold the same policies and shares. */
function twoEngines(shares: readonly { sub: string; documentId: string }[] = []) {
  const { policies, templates } = repositoryPolicySet();
  const { policyStoreId, templateIds } = avp.addStore({ TenantID: TENANT }, { policies, templates });
  const stores = new MemoryPolicyStores().addTenant(TENANT, policyStoreId);
  const shareTemplateId = templateIds[SHARE_TEMPLATE] ?? '';
  for (const [index, { sub, documentId }] of shares.entries()) {
    stores.link(TENANT, share(sub, documentId));
    avp.store(policyStoreId).policies.set(`L${index}`, {
      policyId: `L${index}`,
      templateId: shareTemplateId,
      principal: { entityType: ENTITY_TYPES.user, entityId: sub },
      resource: { entityType: ENTITY_TYPES.document, entityId: documentId },
    });
  }
  const viaAvp = createDecider({ config: { engine: 'avp', cacheTtlMs: 60_000 }, stores, avpClient: () => client });
  const embedded = createDecider({
    config: { engine: 'embedded', cacheTtlMs: 60_000 },
    stores,
    links: stores,
    embedded: async () => new EmbeddedEngine(),
  });
  return { viaAvp, embedded, policyStoreId };
}

/** `ReadDocument` on documents d0…d(n-1) of acme, owned by `owners[i]`. */
const reads = (sub: string, owners: readonly string[], groups: string[] = ['tenant-member']): DecisionRequest[] =>
  owners.map((ownerSub, index) =>
    onDocument(caller(TENANT, sub, ...groups), 'ReadDocument', { id: `d${index}`, tenantId: TENANT, ownerSub }),
  );

const decisions = async (decider: Decider, requests: DecisionRequest[]) =>
  (await decider.decideAll(requests)).map((decision) => decision.decision);

describe('the Verified Permissions fake refuses what BatchIsAuthorized refuses', () => {
  const item = (principal: string, resource: string) => ({
    principal: { entityType: ENTITY_TYPES.user, entityId: principal },
    action: { actionType: ENTITY_TYPES.action, actionId: 'ReadDocument' },
    resource: { entityType: ENTITY_TYPES.document, entityId: resource },
  });
  const batch = (policyStoreId: string, requests: BatchIsAuthorizedInput['requests']) =>
    client.send(new BatchIsAuthorizedCommand({ policyStoreId, entities: { cedarJson: '[]' }, requests }));

  it('refuses more than 30 requests and none at all, and answers 30', async () => {
    // Prepare
    const { policyStoreId } = twoEngines();
    const many = (n: number) => Array.from({ length: n }, (_, i) => item('alice', `d${i}`));

    // Act
    const [thirtyOne, none] = await Promise.allSettled([
      batch(policyStoreId, many(BATCH_MAX_REQUESTS + 1)),
      batch(policyStoreId, []),
    ]);
    const thirty = await batch(policyStoreId, many(BATCH_MAX_REQUESTS));

    // Assess
    expect(thirtyOne).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/1 to 30/) } });
    expect(none).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/1 to 30/) } });
    expect(thirty.results?.map((result) => result.request?.resource?.entityId)).toEqual(
      many(30).map((request) => request.resource.entityId),
    );
  });

  it('refuses a batch whose requests share neither the principal nor the resource, and takes either kind', async () => {
    // Prepare
    const { policyStoreId } = twoEngines();

    // Act
    const [mixed] = await Promise.allSettled([batch(policyStoreId, [item('bob', 'photo1'), item('alice', 'photo2')])]);
    const onePrincipal = await batch(policyStoreId, [item('bob', 'photo1'), item('bob', 'photo2')]);
    const oneResource = await batch(policyStoreId, [item('bob', 'photo1'), item('alice', 'photo1')]);

    // Assess
    expect(mixed).toMatchObject({
      status: 'rejected',
      reason: { message: expect.stringMatching(/principal or the resource must be identical/) },
    });
    expect(onePrincipal.results).toHaveLength(2);
    expect(oneResource.results).toHaveLength(2);
  });
});

describe('Decider.decideAll', () => {
  it('decides a page of 100 documents in batches of at most 30, in the page order, as the embedded engine does', async () => {
    // Prepare
    const owners = Array.from({ length: 100 }, (_, i) => USERS[i % USERS.length] ?? 'alice');
    const { viaAvp, embedded } = twoEngines([{ sub: 'bob', documentId: 'd2' }]);
    const requests = reads('bob', owners);

    // Act
    const remote = await decisions(viaAvp, requests);
    const local = await decisions(embedded, requests);

    // Assess
    expect(avp.batches).toEqual([30, 30, 30, 10]);
    expect(remote).toEqual(local);
    expect(remote.filter((decision) => decision === 'allow')).toHaveLength(26);
    expect(remote[1]).toBe('allow');
    expect(remote[2]).toBe('allow');
    expect(remote[0]).toBe('deny');
  });

  it('answers as the embedded engine for any page, caller and shares (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...USERS), { minLength: 1, maxLength: 100 }),
        fc.constantFrom(...USERS),
        fc.constantFrom('tenant-member', 'tenant-admin'),
        fc.array(fc.tuple(fc.constantFrom(...USERS), fc.nat(99)), { maxLength: 10 }),
        async (owners, sub, role, shared) => {
          // Prepare
          const shares = [
            ...new Map(shared.map(([who, n]) => [`${who}/${n}`, { sub: who, documentId: `d${n}` }])).values(),
          ];
          const { viaAvp, embedded } = twoEngines(shares);
          const requests = reads(sub, owners, [role]);
          avp.batches.length = 0;

          // Act
          const remote = await decisions(viaAvp, requests);
          const local = await decisions(embedded, requests);

          // Assess
          expect(remote).toEqual(local);
          expect(avp.batches).toEqual(
            Array.from({ length: Math.ceil(owners.length / BATCH_SIZE) }, (_, i) =>
              Math.min(BATCH_SIZE, owners.length - i * BATCH_SIZE),
            ),
          );
        },
      ),
      { numRuns: 40, seed: 20261204 },
    );
  });

  it(`keeps at most ${BATCH_CONCURRENCY} batches in flight`, async () => {
    // Prepare
    const { viaAvp, policyStoreId } = twoEngines();
    let inFlight = 0;
    let most = 0;
    avp.mock.on(BatchIsAuthorizedCommand).callsFake(async (input: BatchIsAuthorizedInput) => {
      inFlight++;
      most = Math.max(most, inFlight);
      const results = [];
      for (const request of input.requests ?? []) {
        results.push({ request, ...(await avp.evaluate(policyStoreId, request, input.entities?.cedarJson)) });
      }
      inFlight--;
      return { results };
    });

    // Act
    const answers = await decisions(viaAvp, reads('alice', Array(100).fill('alice')));

    // Assess
    expect(answers).toEqual(Array(100).fill('allow'));
    expect(most).toBe(BATCH_CONCURRENCY);
  });

  it("sends each request's context with its batch item, and none where a request has none", async () => {
    // Prepare
    const { viaAvp } = twoEngines();
    const [plain, other] = reads('alice', ['alice', 'alice']);
    const withContext = { ...other, context: { mfa: true } } as DecisionRequest;

    // Act
    const answers = await decisions(viaAvp, [plain as DecisionRequest, withContext]);

    // Assess
    const sent = avp.mock.commandCalls(BatchIsAuthorizedCommand)[0]?.args[0].input.requests ?? [];
    expect(answers).toEqual(['allow', 'allow']);
    expect(sent.map((item) => item.context)).toEqual([undefined, { cedarJson: '{"mfa":true}' }]);
  });

  it('decides nothing for an empty page, without a call', async () => {
    // Prepare
    const { viaAvp } = twoEngines();

    // Act
    const answers = await viaAvp.decideAll([]);

    // Assess
    expect(answers).toEqual([]);
    expect(avp.mock.commandCalls(BatchIsAuthorizedCommand)).toHaveLength(0);
  });

  it('refuses requests of two principals: one batch decides for one caller', async () => {
    // Prepare
    const { viaAvp, embedded } = twoEngines();
    const requests = [...reads('alice', ['alice']), ...reads('bob', ['alice'])];

    // Act / Assess
    await expect(viaAvp.decideAll(requests)).rejects.toBeInstanceOf(PolicyEngineError);
    await expect(embedded.decideAll(requests)).rejects.toBeInstanceOf(PolicyEngineError);
    expect(avp.mock.commandCalls(BatchIsAuthorizedCommand)).toHaveLength(0);
  });

  it('counts every decision of a batch, and every request of a failed one as failed', async () => {
    // Prepare
    const { policyStoreId } = twoEngines();
    const counted: string[] = [];
    const stores = new MemoryPolicyStores().addTenant(TENANT, policyStoreId);
    const decider = createDecider({
      config: { engine: 'avp', cacheTtlMs: 60_000 },
      stores,
      avpClient: () => client,
      metrics: { record: (outcome, reason) => counted.push(`${outcome}:${reason}`) },
    });

    // Act
    await decider.decideAll(reads('bob', ['alice', 'bob']));
    avp.mock.on(BatchIsAuthorizedCommand).rejects(new Error('ThrottlingException'));
    await expect(decider.decideAll(reads('bob', ['alice']))).rejects.toBeInstanceOf(PolicyEngineError);

    // Assess
    expect(counted).toEqual(['denied:no-policy-permits', 'allowed:policy-permit', 'failed:policy-engine-error']);
  });
});

describe('BatchIsAuthorized answers that cannot be trusted fail the whole page', () => {
  const answer = (decision: string, resource = 'd0', principal = 'bob') => ({
    request: {
      principal: { entityType: ENTITY_TYPES.user, entityId: principal },
      action: { actionType: ENTITY_TYPES.action, actionId: 'ReadDocument' },
      resource: { entityType: ENTITY_TYPES.document, entityId: resource },
    },
    decision,
    determiningPolicies: [],
    errors: [],
  });

  it.each([
    ['a failed call', undefined],
    ['fewer answers than requests', [answer('ALLOW')]],
    ['no results at all', {}],
    ['answers out of order', [answer('ALLOW', 'd1'), answer('ALLOW', 'd0')]],
    ['an answer for another principal', [answer('ALLOW'), answer('ALLOW', 'd1', 'alice')]],
    ['an answer without a decision', [answer('ALLOW'), answer('MAYBE', 'd1')]],
  ])('%s', async (_case, results) => {
    // Prepare
    const { viaAvp } = twoEngines();
    const page = reads('bob', ['alice', 'alice']);
    if (results === undefined) avp.mock.on(BatchIsAuthorizedCommand).rejects(new Error('ServiceUnavailable'));
    else
      avp.mock
        .on(BatchIsAuthorizedCommand)
        .resolves((Array.isArray(results) ? { results } : results) as BatchIsAuthorizedOutput);

    // Act
    const decided = viaAvp.decideAll(page);

    // Assess
    await expect(decided).rejects.toBeInstanceOf(PolicyEngineError);
  });

  it('refuses a batch whose requests describe one entity differently, before any call', async () => {
    // Prepare
    const { viaAvp } = twoEngines();
    const [first, second] = reads('bob', ['alice', 'alice']);
    const conflicting = { ...second, resource: { ...second?.resource, id: 'd0', ownerSub: 'bob' } } as DecisionRequest;

    // Act
    const decided = viaAvp.decideAll([first as DecisionRequest, conflicting]);

    // Assess
    await expect(decided).rejects.toBeInstanceOf(PolicyEngineError);
    expect(avp.mock.commandCalls(BatchIsAuthorizedCommand)).toHaveLength(0);
  });
});

describe('cedarReadFilter', () => {
  it("filters a list page with one batch decision, in the page's order", async () => {
    // Prepare
    const { viaAvp } = twoEngines([{ sub: 'bob', documentId: 'd3' }]);
    const filter = cedarReadFilter(viaAvp);
    const documents = ['alice', 'bob', 'carol', 'alice'].map((owner, index) => ({
      tenantId: TENANT,
      id: `d${index}`,
      title: 't',
      owner,
      contentType: 'text/plain; charset=utf-8',
      size: 1,
      createdAt: '2026-01-01T00:00:00.000Z',
    }));

    // Act
    const readable = await filter(caller(TENANT, 'bob', 'tenant-member'), documents);

    // Assess
    expect(readable).toEqual([false, true, false, true]);
    expect(avp.batches).toEqual([4]);
  });
});
