import { createHash } from 'node:crypto';
import type { PolicySet, TemplateLink } from '@cedar-policy/cedar-wasm/web';
import { ENTITY_TYPES } from './cedar-model';

/** A share: a template linked to one user and one document (kept with the tenant's data). */
export interface ShareLink {
  /** Stable id (same user and document → same id), so sharing twice is one share. */
  readonly linkId: string;
  readonly templateId: string;
  readonly principalSub: string;
  readonly documentId: string;
}

/** A tenant's policy set as the embedded engine loads it: global policies, templates and share links. */
export interface PolicySetSource {
  /** Changes whenever the set changes (record version and shares); the engine re-parses only then. */
  readonly version: string;
  /** Policy id → Cedar text. */
  readonly policies: Readonly<Record<string, string>>;
  /** Template id → Cedar text. */
  readonly templates: Readonly<Record<string, string>>;
  readonly links: readonly ShareLink[];
}

/** The Cedar template link of a share (the same principal and resource AVP's template-linked policy names). */
function templateLink(link: ShareLink): TemplateLink {
  return {
    templateId: link.templateId,
    newId: `share-${link.linkId}`,
    values: {
      '?principal': { type: ENTITY_TYPES.user, id: link.principalSub },
      '?resource': { type: ENTITY_TYPES.document, id: link.documentId },
    },
  };
}

/**
 * The cedar-wasm form of a policy set. A link to a template the set no longer has grants nothing and is left
 * out: removing a template from the repository revokes its shares instead of breaking every decision.
 */
export function cedarPolicySet(source: PolicySetSource): PolicySet {
  return {
    staticPolicies: { ...source.policies },
    templates: { ...source.templates },
    templateLinks: source.links.filter((link) => link.templateId in source.templates).map(templateLink),
  };
}

/** A short fingerprint of a tenant's shares, part of its policy set version. */
export function linksFingerprint(links: readonly ShareLink[]): string {
  const hash = createHash('sha256');
  for (const id of links.map((link) => link.linkId).sort()) hash.update(id).update('\n');
  return `${links.length}-${hash.digest('hex').slice(0, 16)}`;
}

/** The id of the share of `documentId` with `principalSub`: the same share always has the same id. */
export function shareLinkId(documentId: string, principalSub: string): string {
  return createHash('sha256').update(`${documentId}\n${principalSub}`).digest('hex').slice(0, 32);
}
