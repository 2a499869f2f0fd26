import type { APIGatewayProxyEventV2WithLambdaAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** What the authorizer hands to backends (ARCHITECTURE.md "Authorizer contract"). */
export type TenantContext = Partial<Record<'tenantId' | 'tier' | 'groups' | 'sub', string>>;

/** The `GET /tenants/{tenantId}/me` handler. */
export type TenantMeHandler = (
  event: APIGatewayProxyEventV2WithLambdaAuthorizer<TenantContext>,
) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * Creates the sample tenant-scoped endpoint `GET /tenants/{tenantId}/me`: it echoes the identity the authorizer
 * established. It trusts only the authorizer context, never the path or headers, so a backend built the same
 * way cannot be steered into another tenant by its caller. It has no dependencies; the factory keeps the one
 * shape every function has.
 */
export function createTenantMeHandler(): TenantMeHandler {
  return async (event) => {
    const context = event.requestContext?.authorizer?.lambda ?? {};
    const body = {
      tenantId: context.tenantId ?? null,
      tier: context.tier ?? null,
      groups: context.groups ? context.groups.split(',') : [],
      sub: context.sub ?? null,
    };
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  };
}
