import { createHash } from 'node:crypto';
import type { PolicySet, TemplateLink } from '@cedar-policy/cedar-wasm/web';
import type { PolicyLink } from '../registry/policy-store-registry';
import { ENTITY_TYPES } from './cedar-model';

/** A share: the share template linked to one user and one document (stored by the registry). */
export type ShareLink = PolicyLink;

/** A tenant's policy set as the embedded engine loads it: global policies, templates and share links. */
export interface PolicySetSource {
  /** Changes whenever the set changes; the engine re-parses a tenant's set only when it does. */
  readonly version: number;
  /** Policy id → Cedar text. */
  readonly policies: Readonly<Record<string, string>>;
  /** Template id → Cedar text. */
  readonly templates: Readonly<Record<string, string>>;
  readonly links: readonly ShareLink[];
}

/** The Cedar template link of a share (the same principal and resource AVP's template-linked policy names). */
export function templateLink(link: ShareLink): TemplateLink {
  return {
    templateId: link.templateId,
    newId: `share-${link.linkId}`,
    values: {
      '?principal': { type: ENTITY_TYPES.user, id: link.principalSub },
      '?resource': { type: ENTITY_TYPES.document, id: link.documentId },
    },
  };
}

/** The cedar-wasm form of a policy set. */
export function cedarPolicySet(source: PolicySetSource): PolicySet {
  return {
    staticPolicies: { ...source.policies },
    templates: { ...source.templates },
    templateLinks: source.links.map(templateLink),
  };
}

/** The id of the share of `documentId` with `principalSub`: the same share always has the same id. */
export function shareLinkId(documentId: string, principalSub: string): string {
  return createHash('sha256').update(`${documentId}\n${principalSub}`).digest('hex').slice(0, 32);
}
