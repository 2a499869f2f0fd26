import {
  BatchIsAuthorizedCommand,
  CreatePolicyCommand,
  IsAuthorizedCommand,
  type VerifiedPermissionsClient,
} from '@aws-sdk/client-verifiedpermissions';
import { PolicyEngineError } from '../../runtime/errors';
import { ENTITY_TYPES, SHARE_TEMPLATE } from '../cedar-model';
import type { PolicyStoreRegistry } from '../stores/policy-store-registry';

/** Where a tenant's shares may be written: its store and the AVP id of its share template (from the registry). */
export interface ShareTarget {
  readonly policyStoreId: string;
  readonly shareTemplateId: string;
}

/** The share target the registry records for a tenant (read at each share: shares are rare, and must be exact). */
export function shareTargetFrom(
  stores: Pick<PolicyStoreRegistry, 'getRecord'>,
): (tenantId: string) => Promise<ShareTarget | undefined> {
  return async (tenantId) => {
    const record = await stores.getRecord(tenantId);
    const shareTemplateId = record?.avpTemplateIds[SHARE_TEMPLATE];
    if (record?.policyStoreId === undefined || shareTemplateId === undefined) return undefined;
    return { policyStoreId: record.policyStoreId, shareTemplateId };
  };
}

/** A share's policy name: `name/share-<linkId>`, the id being `shareLinkId`'s 32 hex digits. */
const SHARE_NAME = /^name\/share-[0-9a-f]{32}$/;

/**
 * The narrow path of a tenant session's Verified Permissions writes (docs/cedar.md "What the tenant session may
 * write"). IAM cannot narrow `verifiedpermissions:CreatePolicy` below "any policy in the tenant's store": the
 * action covers static and template-linked policies alike, its only resource type is the policy store, and
 * Verified Permissions has no service condition keys (only `aws:ResourceTag`, `aws:RequestTag`, `aws:TagKeys`).
 * So every client that signs with a tenant's credentials is wrapped here, before any call leaves the function:
 * `IsAuthorized` and `BatchIsAuthorized` pass; `CreatePolicy` passes only as a template-linked policy of the
 * tenant's share template (the registry's id, never the caller's), named like a share, linking a user to a
 * document, in the tenant's recorded store; every other command is refused. A refusal is a `PolicyEngineError`
 * (the request fails closed).
 */
export function guardTenantSession(
  client: VerifiedPermissionsClient,
  tenantId: string,
  shareTargetOf: (tenantId: string) => Promise<ShareTarget | undefined>,
): VerifiedPermissionsClient {
  // `send` of the class, looked up at each call (a stubbed `send` in tests is used as the real one would be).
  const send = (command: unknown, ...rest: unknown[]) =>
    (Object.getPrototypeOf(client) as { send: (...args: unknown[]) => Promise<unknown> }).send.call(
      client,
      command,
      ...rest,
    );
  const guarded = async (command: unknown, ...rest: unknown[]) => {
    if (command instanceof IsAuthorizedCommand || command instanceof BatchIsAuthorizedCommand) {
      return send(command, ...rest);
    }
    if (command instanceof CreatePolicyCommand) {
      await refuseUnlessShare(command, tenantId, shareTargetOf);
      return send(command, ...rest);
    }
    const name = (command as { constructor?: { name?: string } } | undefined)?.constructor?.name ?? 'a command';
    throw new PolicyEngineError(`the tenant session of ${tenantId} may not send ${name}`);
  };
  Object.defineProperty(client, 'send', { value: guarded, configurable: true });
  return client;
}

async function refuseUnlessShare(
  command: CreatePolicyCommand,
  tenantId: string,
  shareTargetOf: (tenantId: string) => Promise<ShareTarget | undefined>,
): Promise<void> {
  const refuse = (why: string) => new PolicyEngineError(`the tenant session of ${tenantId} may not ${why}`);
  const { policyStoreId, name, definition } = command.input;
  const linked = definition?.templateLinked;
  if (linked === undefined || definition?.static !== undefined) throw refuse('create a static policy');
  if (name === undefined || !SHARE_NAME.test(name)) throw refuse('create a policy not named as a share');
  if (linked.principal?.entityType !== ENTITY_TYPES.user || linked.resource?.entityType !== ENTITY_TYPES.document) {
    throw refuse('link anything but a user to a document');
  }
  const target = await shareTargetOf(tenantId);
  if (target === undefined || target.policyStoreId !== policyStoreId) throw refuse('write outside its own store');
  if (target.shareTemplateId !== linked.policyTemplateId) throw refuse('link a template other than the share template');
}
