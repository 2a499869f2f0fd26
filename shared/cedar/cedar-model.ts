import type { EntityJson, EntityUidJson } from '@cedar-policy/cedar-wasm/web';

/**
 * The Cedar model of the sample documents service (docs/cedar.md; the schema is
 * `policies/schema.cedarschema`). Both engines evaluate the request and entities built here, so the embedded
 * engine and Amazon Verified Permissions decide from the same input.
 */
export const NAMESPACE = 'Tenancy';

/** Cedar entity type names, namespaced as in the schema. */
export const ENTITY_TYPES = {
  user: `${NAMESPACE}::User`,
  role: `${NAMESPACE}::Role`,
  tenant: `${NAMESPACE}::Tenant`,
  document: `${NAMESPACE}::Document`,
  action: `${NAMESPACE}::Action`,
} as const;

/** Actions on a tenant (the resource is the tenant itself). */
export const TENANT_ACTIONS = ['CreateDocument', 'ListDocuments'] as const;
/** Actions on one document. */
export const DOCUMENT_ACTIONS = ['ReadDocument', 'UpdateDocument', 'DeleteDocument', 'ShareDocument'] as const;
export type TenantAction = (typeof TENANT_ACTIONS)[number];
export type DocumentAction = (typeof DOCUMENT_ACTIONS)[number];
export type Action = TenantAction | DocumentAction;

/** The template a share links; its file is `policies/templates/<name>.cedar`. */
export const SHARE_TEMPLATE = 'document-shared-for-reading';

/** The caller, exactly as the authorizer verified it (ARCHITECTURE.md "Authorizer contract"). */
export interface Principal {
  readonly sub: string;
  readonly tenantId: string;
  /** Role groups (configured role groups only). */
  readonly groups: readonly string[];
}

/** A document as the tenant's own data describes it: its owner is never taken from the caller. */
export interface DocumentResource {
  readonly kind: 'document';
  readonly id: string;
  readonly tenantId: string;
  readonly ownerSub: string;
}

/** The tenant itself, for actions that create or list. */
export interface TenantResource {
  readonly kind: 'tenant';
  readonly tenantId: string;
}

/** A primitive context value; the model's policies use none, user policies may. */
export type ContextValue = string | number | boolean;

/** One question to `decide`. */
export type DecisionRequest =
  | {
      readonly principal: Principal;
      readonly action: TenantAction;
      readonly resource: TenantResource;
      readonly context?: Readonly<Record<string, ContextValue>>;
      /** Further entities the user's own policies need; passed to both engines unchanged. */
      readonly entities?: readonly EntityJson[];
    }
  | {
      readonly principal: Principal;
      readonly action: DocumentAction;
      readonly resource: DocumentResource;
      readonly context?: Readonly<Record<string, ContextValue>>;
      readonly entities?: readonly EntityJson[];
    };

/** The answer: `allow` only when a policy permits and none forbids; anything else is `deny`. */
export interface Decision {
  readonly decision: 'allow' | 'deny';
  /** Ids (embedded) or names/ids (AVP) of the policies that determined the answer. */
  readonly determiningPolicies: readonly string[];
}

/** The request in Cedar terms: what the embedded engine evaluates and what AVP receives. */
export interface CedarRequest {
  readonly principal: { type: string; id: string };
  readonly action: { type: string; id: string };
  readonly resource: { type: string; id: string };
  readonly context: Record<string, ContextValue>;
  readonly entities: EntityJson[];
}

const ref = (type: string, id: string): { __entity: { type: string; id: string } } => ({ __entity: { type, id } });
const uid = (type: string, id: string): { type: string; id: string } => ({ type, id });

/** The caller as a Cedar entity: its tenant as an attribute, its role groups as parents. */
function userEntity(principal: Principal): EntityJson {
  return {
    uid: uid(ENTITY_TYPES.user, principal.sub),
    attrs: { tenant: ref(ENTITY_TYPES.tenant, principal.tenantId) },
    parents: principal.groups.map((group): EntityUidJson => uid(ENTITY_TYPES.role, group)),
  };
}

/**
 * Builds the Cedar request for a decision. The principal's tenant comes from the authorizer; the document's
 * owner and tenant from the tenant's data: the policies compare the two, so a document of another tenant is
 * refused even if it reached this tenant's store.
 */
export function cedarRequest(request: DecisionRequest): CedarRequest {
  const { principal, resource } = request;
  const entities: EntityJson[] = [
    userEntity(principal),
    { uid: uid(ENTITY_TYPES.tenant, principal.tenantId), attrs: {}, parents: [] },
  ];
  let resourceUid: { type: string; id: string };
  if (resource.kind === 'document') {
    resourceUid = uid(ENTITY_TYPES.document, resource.id);
    entities.push({
      uid: resourceUid,
      attrs: { owner: ref(ENTITY_TYPES.user, resource.ownerSub), tenant: ref(ENTITY_TYPES.tenant, resource.tenantId) },
      parents: [],
    });
  } else {
    resourceUid = uid(ENTITY_TYPES.tenant, resource.tenantId);
    if (resource.tenantId !== principal.tenantId) entities.push({ uid: resourceUid, attrs: {}, parents: [] });
  }
  if (request.entities !== undefined) entities.push(...request.entities);
  return {
    principal: uid(ENTITY_TYPES.user, principal.sub),
    action: uid(ENTITY_TYPES.action, request.action),
    resource: resourceUid,
    context: { ...request.context },
    entities,
  };
}
