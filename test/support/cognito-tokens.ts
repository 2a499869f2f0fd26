import type { PreTokenResponse, TokenClaimsOverride } from '../../shared/tokens/claims';
import { RESERVED_CLAIMS } from '../../shared/tokens/reserved-claims';

/** Which published schema a token follows (packages/tenant-context/schemas). */
export type TokenKind = 'id-token-claims' | 'access-token-claims' | 'm2m-access-token-claims';

/** A token's claims as Cognito would mint them for a pre token generation event and the trigger's response. */
export interface MintedToken {
  readonly kind: TokenKind;
  readonly claims: Record<string, unknown>;
}

interface TokenEvent {
  readonly version: string;
  readonly triggerSource: string;
  readonly userPoolId: string;
  readonly userName?: string;
  readonly callerContext: { readonly clientId: string };
  readonly request: {
    readonly userAttributes?: Record<string, string>;
    readonly groupConfiguration?: { readonly groupsToOverride?: readonly string[] };
  };
}

// The same instant for every token: the schemas ask for an integer `exp`, its value does not matter here.
const IAT = 1_767_225_600;

/**
 * The tokens Cognito mints from an event and the trigger's response, applying the documented rules
 * (ARCHITECTURE.md "Platform facts" and the Cognito developer guide's pre token generation page):
 * V1 responses change the ID token only; V2/V3 change the ID and the access token; V3 client credentials
 * mint one access token whose `sub` is the app client. Suppression wins over an override of the same claim;
 * `groupOverrideDetails` replaces `cognito:groups` in both tokens, an empty list removing it; reserved claims
 * are never changed. Only the tokens the claims contract covers are returned: a V1 access token carries no
 * tenant claims and follows no schema.
 */
export function mintTokens(event: TokenEvent, response: PreTokenResponse): MintedToken[] {
  const iss = `https://cognito-idp.${event.userPoolId.split('_')[0]}.amazonaws.com/${event.userPoolId}`;
  const clientId = event.callerContext.clientId;
  if (event.triggerSource === 'TokenGeneration_ClientCredentials') {
    const base = {
      sub: clientId,
      iss,
      exp: IAT + 3600,
      iat: IAT,
      token_use: 'access',
      client_id: clientId,
      version: 2,
    };
    const details = 'claimsAndScopeOverrideDetails' in response ? response.claimsAndScopeOverrideDetails : undefined;
    return [{ kind: 'm2m-access-token-claims', claims: apply(base, details?.accessTokenGeneration) }];
  }
  const attributes = event.request.userAttributes ?? {};
  const initialGroups = event.request.groupConfiguration?.groupsToOverride ?? [];
  const idBase: Record<string, unknown> = {
    ...Object.fromEntries(Object.entries(attributes).filter(([name]) => name !== 'cognito:user_status')),
    iss,
    aud: clientId,
    exp: IAT + 3600,
    iat: IAT,
    auth_time: IAT,
    token_use: 'id',
    'cognito:username': event.userName ?? attributes.sub,
  };
  const accessBase: Record<string, unknown> = {
    sub: attributes.sub,
    iss,
    client_id: clientId,
    exp: IAT + 3600,
    iat: IAT,
    token_use: 'access',
    scope: 'aws.cognito.signin.user.admin',
    username: event.userName ?? attributes.sub,
  };
  if ('claimsOverrideDetails' in response) {
    const details = response.claimsOverrideDetails;
    const groups = details.groupOverrideDetails.groupsToOverride;
    return [{ kind: 'id-token-claims', claims: withGroups(apply(idBase, details), groups) }];
  }
  const details = response.claimsAndScopeOverrideDetails;
  const groups = details.groupOverrideDetails?.groupsToOverride ?? initialGroups;
  return [
    { kind: 'id-token-claims', claims: withGroups(apply(idBase, details.idTokenGeneration), groups) },
    { kind: 'access-token-claims', claims: withGroups(apply(accessBase, details.accessTokenGeneration), groups) },
  ];
}

function apply(base: Record<string, unknown>, override: TokenClaimsOverride | undefined): Record<string, unknown> {
  const claims = { ...base };
  for (const [name, value] of Object.entries(override?.claimsToAddOrOverride ?? {})) {
    if (!RESERVED_CLAIMS.has(name) && !name.startsWith('cognito:')) claims[name] = value;
  }
  for (const name of override?.claimsToSuppress ?? []) {
    if (!RESERVED_CLAIMS.has(name) && !name.startsWith('cognito:')) delete claims[name];
  }
  return claims;
}

function withGroups(claims: Record<string, unknown>, groups: readonly string[]): Record<string, unknown> {
  return groups.length === 0 ? claims : { ...claims, 'cognito:groups': [...groups] };
}
