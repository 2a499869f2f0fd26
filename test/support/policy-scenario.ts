import {
  type Action,
  type DecisionRequest,
  DOCUMENT_ACTIONS,
  type Principal,
  TENANT_ACTIONS,
} from '../../shared/cedar/cedar-model';
import { caller, onDocument, onTenant, share } from './policies';
import { MemoryPolicyStores } from './policy-stores';

// The source scenario: acme's alice owns a document; bob is shared on it; carol is an unrelated member;
// dana is acme's tenant-admin; erin is globex's tenant-admin, globex being another tenant.
const ACME = 'acme';
const GLOBEX = 'globex';
const ROLES = ['tenant-member', 'tenant-admin'] as const;
const DOC = { id: 'doc-1', tenantId: ACME, ownerSub: 'alice' };

type Relation = 'owner' | 'shared' | 'other' | 'other-tenant';

/** Who may do what, by role and relation to the document: the source scenario, as a table. */
function expected(role: (typeof ROLES)[number], relation: Relation, action: Action): 'allow' | 'deny' {
  if (relation === 'other-tenant') return 'deny';
  if (action === 'CreateDocument' || action === 'ListDocuments') return 'allow';
  if (relation === 'owner' || role === 'tenant-admin') return 'allow';
  if (relation === 'shared' && action === 'ReadDocument') return 'allow';
  return 'deny';
}

/** The caller for a role and relation; the shared caller is linked in acme's store. */
export function principalFor(role: (typeof ROLES)[number], relation: Relation): Principal {
  switch (relation) {
    case 'owner':
      return caller(ACME, 'alice', role);
    case 'shared':
      return caller(ACME, `bob-${role}`, role);
    case 'other':
      return caller(ACME, `carol-${role}`, role);
    case 'other-tenant':
      return caller(GLOBEX, `erin-${role}`, role);
  }
}

export function requestFor(principal: Principal, action: Action): DecisionRequest {
  if (action === 'CreateDocument' || action === 'ListDocuments') return onTenant(principal, action, ACME);
  return onDocument(principal, action, { ...DOC, ownerSub: principal.sub === 'alice' ? 'alice' : DOC.ownerSub });
}

/** Every role × relation × action, with the answer the scenario expects. */
export const scenarioCases = ROLES.flatMap((role) =>
  (['owner', 'shared', 'other', 'other-tenant'] as const).flatMap((relation) =>
    [...TENANT_ACTIONS, ...DOCUMENT_ACTIONS].map((action) => ({
      role,
      relation,
      action,
      expected: expected(role, relation, action),
    })),
  ),
);

/** acme and globex stores holding the scenario's shares. */
export function scenarioStores(): MemoryPolicyStores {
  const stores = new MemoryPolicyStores().addTenant(ACME).addTenant(GLOBEX);
  for (const role of ROLES) stores.link(ACME, share(`bob-${role}`, DOC.id));
  // globex's own callers are even linked to acme's document id in *globex's* store: it must still grant nothing.
  for (const role of ROLES) stores.link(GLOBEX, share(`erin-${role}`, DOC.id));
  return stores;
}
