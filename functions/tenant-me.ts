import type { APIGatewayProxyEventV2WithLambdaAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** What the authorizer hands to backends (ARCHITECTURE.md "Authorizer contract"). */
type TenantContext = Partial<Record<'tenantId' | 'tier' | 'groups' | 'sub', string>>;

/**
 * Sample tenant-scoped endpoint, `GET /tenants/{tenantId}/me`: echoes the identity the authorizer
 * established. It trusts only the authorizer context, never the path or headers, so a backend built the same
 * way cannot be steered into another tenant by its caller.
 */
export const handler = async (
  event: APIGatewayProxyEventV2WithLambdaAuthorizer<TenantContext>,
): Promise<APIGatewayProxyStructuredResultV2> => {
  const context = event.requestContext?.authorizer?.lambda ?? {};
  const body = {
    tenantId: context.tenantId ?? null,
    tier: context.tier ?? null,
    groups: context.groups ? context.groups.split(',') : [],
    sub: context.sub ?? null,
  };
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
};
