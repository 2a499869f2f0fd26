import type { DocumentMetadata } from './document';

/** What a caller asks to do with documents. */
export type DocumentAction = 'create' | 'read' | 'list' | 'delete';

/** The caller, as the authorizer verified it (context `sub`, `tenantId`, `groups`). */
export interface DocumentCaller {
  readonly sub: string;
  readonly tenantId: string;
  readonly groups: readonly string[];
}

/**
 * One authorization question per route: may `caller` do `action` on `document`? `create` carries the document
 * about to be written (owner = caller), `read` the stored document (its owner from the tenant's own data),
 * `list` no document (may the caller list at all); listed documents are then filtered with `read`; `delete` the
 * stored document.
 */
export interface DocumentDecisionRequest {
  readonly caller: DocumentCaller;
  readonly action: DocumentAction;
  readonly document?: DocumentMetadata;
}

/** The seam for fine-grained authorization (Cedar, for example): `true` allows, anything else refuses. */
export type DocumentDecider = (request: DocumentDecisionRequest) => boolean | Promise<boolean>;

/**
 * The list page's decisions in one call: may `caller` read each of `documents`? Answers in the order of
 * `documents`; a failure refuses the whole page (docs/cedar.md "Lists: BatchIsAuthorized").
 */
export type DocumentReadFilter = (
  caller: DocumentCaller,
  documents: readonly DocumentMetadata[],
) => Promise<readonly boolean[]>;

/**
 * The default decision: any user of the tenant may create, list and read the tenant's documents. Tenant
 * isolation does not depend on it (the credentials cannot reach another tenant's data); a document of another
 * tenant is refused all the same, as defence in depth.
 */
export const tenantMembersDecide: DocumentDecider = ({ caller, document }) =>
  document === undefined || document.tenantId === caller.tenantId;
