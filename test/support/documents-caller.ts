import { type TenantContext, TenantContextError, tenantContext } from '@cognito-tenancy/tenant-context';

/**
 * The caller the documents function reads from an HTTP API event whose authorizer context is `context` (undefined:
 * no context), through `tenantContext(event)` as `documentsRequestOf` does; `tier` and `claimsVersion` default to
 * what the authorizer passes (`standard`, `1`). A context the library refuses gives its `TenantContextError`.
 */
export function authorizerCaller(
  context: Readonly<Record<string, unknown>> | undefined,
): TenantContext | TenantContextError {
  const lambda = context === undefined ? undefined : { tier: 'standard', claimsVersion: '1', ...context };
  try {
    return tenantContext({
      version: '2.0',
      requestContext: { authorizer: lambda === undefined ? undefined : { lambda } },
    });
  } catch (error) {
    if (error instanceof TenantContextError) return error;
    throw error;
  }
}
