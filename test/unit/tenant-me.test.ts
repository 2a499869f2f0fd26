import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/tenant-me';

type Event = Parameters<typeof handler>[0];

/** An HTTP API event as the authorizer hands it on, with `lambda` as its context (or none). */
function eventWith(lambda: Record<string, string> | undefined, tenantInPath = 'acme'): Event {
  return {
    routeKey: 'GET /tenants/{tenantId}/me',
    pathParameters: { tenantId: tenantInPath },
    headers: { 'x-tenant-id': 'globex' },
    requestContext: lambda === undefined ? {} : { authorizer: { lambda } },
  } as unknown as Event;
}

describe('tenant-me endpoint', () => {
  it('echoes the tenant, tier, groups and sub the authorizer established', async () => {
    // Prepare
    const event = eventWith({ tenantId: 'acme', tier: 'standard', groups: 'tenant-admin,tenant-member', sub: 's-1' });

    // Act
    const response = await handler(event);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers).toEqual({ 'content-type': 'application/json' });
    expect(JSON.parse(String(response.body))).toEqual({
      tenantId: 'acme',
      tier: 'standard',
      groups: ['tenant-admin', 'tenant-member'],
      sub: 's-1',
    });
  });

  it('trusts the authorizer context only, never the path or a header naming another tenant', async () => {
    // Prepare
    const event = eventWith({ tenantId: 'acme', tier: 'free', groups: '', sub: 's-2' }, 'globex');

    // Act
    const body = JSON.parse(String((await handler(event)).body));

    // Assess
    expect(body).toEqual({ tenantId: 'acme', tier: 'free', groups: [], sub: 's-2' });
  });

  it('answers nulls and no groups when no authorizer context arrived', async () => {
    // Act
    const body = JSON.parse(String((await handler(eventWith(undefined))).body));

    // Assess
    expect(body).toEqual({ tenantId: null, tier: null, groups: [], sub: null });
  });
});
