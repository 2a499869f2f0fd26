// Generated from the *.schema.json files beside this file by `npm run schemas:types`; do not edit.
// test/unit/claims-schemas.test.ts fails when this file and the schemas disagree.

/**
 * Claims of a user's Cognito access token shaped by cognito-tenancy's pre token generation trigger (event versions 2 and 3 only: version 1 does not change access tokens), claims contract version 1, with the default claim names. Cognito's other claims are allowed.
 */
export interface AccessTokenClaimsV1 {
/**
 * The user's Cognito sub.
 */
sub: string
/**
 * The issuing user pool.
 */
iss: string
/**
 * Expiry, seconds since the epoch.
 */
exp: number
token_use: "access"
/**
 * The app client the token was issued to.
 */
client_id: string
/**
 * The tenant the token speaks for.
 */
tenantId: string
/**
 * The tenant's tier, from the registry.
 */
tier: string
/**
 * The claims contract version.
 */
"tenancy:v": 1
/**
 * The membership's role in the token's tenant plus mapped IdP roles, configured role groups only; absent when there are none.
 * 
 * @maxItems 100
 */
"cognito:groups"?: string[]
[k: string]: unknown
}

/**
 * The context cognito-tenancy's Lambda authorizer returns for an allowed request, authorizer context version 1: strings only (REST APIs accept nothing richer reliably). API Gateway may add its own keys (principalId, integrationLatency) next to these.
 */
export interface AuthorizerContextV1 {
/**
 * The verified token's tenant.
 */
tenantId: string
/**
 * The tenant's tier.
 */
tier: string
/**
 * The caller's role groups, comma-joined (empty when there are none); a demoted member's lower role.
 */
groups: string
/**
 * The token's sub (a user, or an app client for client credentials).
 */
sub: string
/**
 * The claims contract version the token carried (decimal).
 */
claimsVersion: string
[k: string]: unknown
}

/**
 * Claims of a Cognito ID token shaped by cognito-tenancy's pre token generation trigger, claims contract version 1, with the default claim names (tenantId, tier, tenancy:v). Only the claims the contract relies on are described; Cognito's other claims are allowed. Version 1 and 0 (emulator) events carry string claim values only, so the version claim is the string "1" there and the integer 1 from version 2 and 3 events.
 */
export interface IdTokenClaimsV1 {
/**
 * The user's Cognito sub.
 */
sub: string
/**
 * The issuing user pool.
 */
iss: string
/**
 * Expiry, seconds since the epoch.
 */
exp: number
token_use: "id"
/**
 * The tenant the token speaks for: the user's active tenant or a per-session choice backed by an active membership.
 */
tenantId: string
/**
 * The tenant's tier, from the registry.
 */
tier: string
/**
 * The claims contract version.
 */
"tenancy:v": (1 | "1")
/**
 * The membership's role in the token's tenant plus mapped IdP roles, configured role groups only; absent when there are none.
 * 
 * @maxItems 100
 */
"cognito:groups"?: string[]
/**
 * The user's active tenant (Cognito's attribute); suppressed when the token's tenant is a per-session choice of another tenant.
 */
"custom:tenantId"?: string
[k: string]: unknown
}

/**
 * Claims of a machine-to-machine (client credentials, event version 3) Cognito access token shaped by cognito-tenancy, claims contract version 1, with the default claim names. The tenant is the one the app client is bound to; there is no user, so `sub` is the app client id and there are no groups. Cognito's other claims are allowed.
 */
export interface M2MAccessTokenClaimsV1 {
/**
 * The app client id.
 */
sub: string
/**
 * The issuing user pool.
 */
iss: string
/**
 * Expiry, seconds since the epoch.
 */
exp: number
token_use: "access"
/**
 * The app client bound to the tenant.
 */
client_id: string
/**
 * The tenant the app client is bound to.
 */
tenantId: string
/**
 * The tenant's tier, from the registry.
 */
tier: string
/**
 * The claims contract version.
 */
"tenancy:v": 1
[k: string]: unknown
}
