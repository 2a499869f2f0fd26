import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runDocumentsFlow } from '../../local/documents-flow';
import { DEMO_CODE, runLifecycle } from '../../local/lifecycle';
import { runSharingFlow } from '../../local/sharing-flow';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { startBudgetMs } from '../../local/start-timeout';

// Four servers start in sequence; each flow's first calls cold-start functions in serverless-offline.
vi.setConfig({ hookTimeout: startBudgetMs(4), testTimeout: startBudgetMs(2) });

// The demo's lifecycle through the real local stack: cognito-local invoking the triggers through
// serverless-offline, the HTTP API behind the authorizer, DynamoDB Local as the registry.
describe('tenant lifecycle end to end on the local stack', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({ selfService: true, code: DEMO_CODE, tenantCacheSeconds: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('signs up, signs in and refreshes with tenant claims in the access token, calls the API with it within its tenant only, and locks out a suspended tenant', async () => {
    // Act
    const checks = await runLifecycle(stack);

    // Assess
    expect(checks.map((check) => check.step)).toEqual([
      'sign-up by e-mail domain: custom:tenantId',
      'sign-up by e-mail domain: role group',
      'sign-up by e-mail domain: membership',
      'self-service sign-up: new tenant created',
      'self-service sign-up: role group',
      'self-service sign-up: membership',
      'sign-in: access token tenantId',
      'sign-in: access token tier',
      'sign-in: access token groups',
      'refresh: access token tenantId',
      'refresh: access token tier',
      'refresh: access token groups',
      'API, own tenant: status',
      'API, own tenant: context tenantId',
      "API, another tenant's path: status",
      'API, no token: status',
      'API, ID token: status',
      'suspended tenant: sign-in refused',
      'suspended tenant: refresh refused',
    ]);
    expect(checks.filter((check) => !check.ok)).toEqual([]);
  });

  it('keeps documents in their tenant: created, read and listed by acme, 404/403 for globex, IAM denies the rest', async () => {
    // Act
    const checks = await runDocumentsFlow(stack);

    // Assess
    expect(checks.map((check) => check.step)).toEqual([
      'documents: acme user creates a document',
      'documents: acme user reads it back',
      'documents: acme user lists it',
      "documents: globex user, acme's id in globex",
      "documents: globex user on acme's path",
      "IAM: globex session GetItem on acme's partition",
      'IAM: globex session Scan of the tenant table',
      "IAM: globex session GetObject under acme's prefix",
    ]);
    expect(checks.filter((check) => !check.ok)).toEqual([]);
  });

  it('decides sharing with Cedar end to end: refused, shared by the owner, read; admin manages; globex refused', async () => {
    // Act
    const checks = await runSharingFlow(stack);

    // Assess
    expect(checks.map((check) => check.step)).toEqual([
      'sharing: owner adds a document',
      'sharing: colleague reads it before a share',
      'sharing: colleague shares it with himself',
      'sharing: owner shares it with the colleague',
      'sharing: colleague reads it after the share',
      'sharing: tenant-admin reads it (manages all)',
      'sharing: tenant-admin shares it again (one share)',
      'sharing: owner shares with a globex user',
      "sharing: globex user on acme's path",
      "sharing: globex user, acme's id in globex",
      'sharing: colleague deletes it',
      "sharing: tenant-admin deletes the owner's document",
      'sharing: owner reads it after the delete',
      'sharing: tenant-admin deletes it again',
    ]);
    expect(checks.filter((check) => !check.ok)).toEqual([]);
  });
});
