import { IsAuthorizedCommand, VerifiedPermissionsClient } from '@aws-sdk/client-verifiedpermissions';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDecider } from '../../shared/cedar/decide';
import { caller, onDocument } from '../support/policies';
import { MemoryPolicyStores } from '../support/policy-stores';

// Counts AvpEngine constructions and module loads; the engine itself is the real one.
const counts = vi.hoisted(() => ({ loads: 0, engines: 0 }));
vi.mock('../../shared/cedar/engines/avp-engine', async (importOriginal) => {
  counts.loads += 1;
  const original = await importOriginal<typeof import('../../shared/cedar/engines/avp-engine')>();
  class CountingAvpEngine extends original.AvpEngine {
    constructor(client: VerifiedPermissionsClient) {
      super(client);
      counts.engines += 1;
    }
  }
  return { AvpEngine: CountingAvpEngine };
});

const avp = mockClient(VerifiedPermissionsClient);

afterEach(() => {
  avp.reset();
});

describe('createDecider on the AVP engine', () => {
  it("builds one engine per tenant's client, not one per decision, and asks that client's store every time", async () => {
    // Prepare
    avp.on(IsAuthorizedCommand).resolves({ decision: 'ALLOW', determiningPolicies: [{ policyId: 'p1' }], errors: [] });
    const clients = new Map(
      ['acme', 'globex'].map((id) => [id, new VerifiedPermissionsClient({ region: 'us-east-1' })]),
    );
    const stores = new MemoryPolicyStores().addTenant('acme').addTenant('globex');
    const decider = createDecider({
      config: { engine: 'avp', cacheTtlMs: 60_000 },
      stores,
      avpClient: (tenantId) => clients.get(tenantId) ?? new VerifiedPermissionsClient({ region: 'us-east-1' }),
    });
    const request = (tenantId: string) =>
      onDocument(caller(tenantId, 'ann', 'tenant-member'), 'ReadDocument', { id: 'd', tenantId, ownerSub: 'ann' });

    // Act
    const decisions = [];
    for (const tenantId of ['acme', 'acme', 'globex', 'acme', 'globex'])
      decisions.push(await decider.decide(request(tenantId)));

    // Assess
    expect(decisions.map((decision) => decision.decision)).toEqual(['allow', 'allow', 'allow', 'allow', 'allow']);
    expect(counts).toEqual({ loads: 1, engines: 2 });
    expect(avp.commandCalls(IsAuthorizedCommand).map((call) => call.args[0].input.policyStoreId)).toEqual([
      'ps-acme',
      'ps-acme',
      'ps-globex',
      'ps-acme',
      'ps-globex',
    ]);
  });
});
