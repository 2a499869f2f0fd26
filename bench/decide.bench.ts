/**
 * A decision through `decide` on the embedded engine against the floor: cedar-wasm's `statefulIsAuthorized`
 * on the same pre-parsed policy set with the same request (target ≤ 1.2×). Also shown: `isAuthorized`
 * parsing the policies on every call (what pre-parsing saves), and loading the module (once per container).
 */
import { repositoryPolicySet } from '../local/policy-sets';
import { cedarRequest, type DecisionRequest } from '../shared/cedar/cedar-model';
import { createDecider } from '../shared/cedar/decide';
import { loadCedar } from '../shared/cedar/engines/cedar-module';
import { EmbeddedEngine } from '../shared/cedar/engines/embedded-engine';
import { cedarPolicySet, shareLinkId } from '../shared/cedar/policy-set';
import type { PolicyStoreRecord } from '../shared/cedar/stores/policy-store-registry';
import { compare, report } from './measure';
import { target } from './options';

export default async function run(): Promise<void> {
  const loadStart = process.hrtime.bigint();
  const cedar = await loadCedar();
  const loadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;

  // A tenant with 50 shares, the caller reading one shared to it: the template links are evaluated too.
  const links = Array.from({ length: 50 }, (_, i) => ({
    linkId: shareLinkId(`doc-${i}`, 'bob'),
    templateId: 'document-shared-for-reading',
    principalSub: 'bob',
    documentId: `doc-${i}`,
  }));
  const source = repositoryPolicySet(links);
  const record: PolicyStoreRecord = {
    tenantId: 'acme',
    version: 1,
    policies: source.policies,
    templates: source.templates,
    avpTemplateIds: {},
    updatedAt: '',
  };
  const decider = createDecider({
    config: { engine: 'embedded', cacheTtlMs: 3_600_000 },
    stores: { getRecord: async () => record },
    links: { listLinks: async () => links },
    embedded: async () => new EmbeddedEngine({ load: async () => cedar }),
  });
  const request: DecisionRequest = {
    principal: { sub: 'bob', tenantId: 'acme', groups: ['tenant-member'] },
    action: 'ReadDocument',
    resource: { kind: 'document', id: 'doc-7', tenantId: 'acme', ownerSub: 'alice' },
  };
  const first = await decider.decide(request);
  if (first.decision !== 'allow') throw new Error('bench request was not allowed');

  // The floor gets the request already built: everything decide adds is what is measured.
  cedar.preparsePolicySet('floor', cedarPolicySet(source));
  const built = cedarRequest(request);
  const floorCall = { ...built, preparsedPolicySetId: 'floor' };
  const parseEveryCall = { ...built, policies: cedarPolicySet(source) };
  const floorAnswer = cedar.statefulIsAuthorized(floorCall);
  if (floorAnswer.type !== 'success' || floorAnswer.response.decision !== 'allow')
    throw new Error('floor was not allowed');

  const floor = 'statefulIsAuthorized (pre-parsed), floor';
  const results = await compare(
    {
      [floor]: () => cedar.statefulIsAuthorized(floorCall),
      'decide() on the embedded engine': () => decider.decide(request),
      'isAuthorized (policies parsed every call)': () => cedar.isAuthorized(parseEveryCall),
    },
    { batch: 200, rounds: 21, warmup: 3 },
  );
  console.log(report('embedded decision vs pre-parsed floor (target ≤ 1.20×)', results, floor));
  const ns = (name: string) => results.find((result) => result.name === name)?.nsPerOp ?? Number.NaN;
  console.log(
    target('embedded decide() / pre-parsed floor', ns('decide() on the embedded engine') / ns(floor), '≤', 1.2),
  );
  console.log(`\ncedar-wasm module load (once per container, first decision): ${loadMs.toFixed(1)} ms`);
}
