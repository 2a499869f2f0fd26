import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VerifiedPermissionsClient } from '@aws-sdk/client-verifiedpermissions';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { OpenRegistry } from '../../cli/target';
import { cliRunner } from '../support/cli';

// The registry is replaced by one that has no policy store record, so `policies show` builds its AVP client and
// calls nothing on it; the client is caught when the command destroys it.
const openRegistry = async (): Promise<OpenRegistry> =>
  ({
    registry: {},
    policyStores: { getRecord: async () => undefined },
    close: async () => {},
  }) as unknown as OpenRegistry;

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const home = mkdtempSync(join(tmpdir(), 'avp-cli-home-'));
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
});

/** No credentials anywhere the SDK looks, and no instance metadata: nothing is sent anywhere. */
function withoutAwsCredentials(): void {
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION']) {
    vi.stubEnv(name, undefined);
  }
  vi.stubEnv('HOME', home);
  vi.stubEnv('AWS_CONFIG_FILE', join(home, 'config'));
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(home, 'credentials'));
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
}

// A local registry holding tenant acme without a policy store: `policy-store create` goes on to AVP.
const localRegistry = async (): Promise<OpenRegistry> =>
  ({
    registry: { requireTenant: async () => ({ tenantId: 'acme' }) },
    policyStores: { getRecord: async () => undefined },
    close: async () => {},
  }) as unknown as OpenRegistry;

describe('tenants policies commands on the avp engine', () => {
  it('creates an AVP store of a --local registry in the --region given, and names Verified Permissions when credentials are missing', async () => {
    // Prepare
    withoutAwsCredentials();
    vi.spyOn(VerifiedPermissionsClient.prototype, 'send').mockImplementation(async function (
      this: VerifiedPermissionsClient,
    ) {
      // What the SDK does before sending anything: resolve the region, then the credentials.
      await this.config.region();
      return await this.config.credentials();
    });
    const cli = cliRunner({}, [], { openRegistry: localRegistry });

    // Act
    const created = await cli('policy-store', 'create', 'acme', '--engine', 'avp', '--local', '--region', 'us-east-1');

    // Assess
    expect(created.code).toBe(1);
    expect(created.err).toEqual([
      expect.stringMatching(/^error: no AWS credentials for Verified Permissions in us-east-1: set AWS_PROFILE/),
    ]);
  });

  it('names Verified Permissions, and no region, when a --local registry has no region anywhere', async () => {
    // Prepare
    withoutAwsCredentials();
    vi.stubEnv('AWS_DEFAULT_REGION', undefined);
    vi.spyOn(VerifiedPermissionsClient.prototype, 'send').mockImplementation(async function (
      this: VerifiedPermissionsClient,
    ) {
      return await this.config.region();
    });
    const cli = cliRunner({}, [], { openRegistry: localRegistry });

    // Act
    const created = await cli('policy-store', 'create', 'acme', '--engine', 'avp', '--local');

    // Assess
    expect(created.code).toBe(1);
    expect(created.err).toEqual([
      'error: no AWS region for Verified Permissions in (no region): pass --region or set AWS_REGION',
    ]);
  });

  it.each([
    [['--region', 'eu-west-1'], { AWS_REGION: 'us-east-1' }, 'eu-west-1'],
    [['--local', '--region', 'eu-west-1'], {}, 'eu-west-1'],
    [[], { AWS_REGION: 'ap-southeast-2' }, 'ap-southeast-2'],
    [['--local'], { AWS_DEFAULT_REGION: 'ca-central-1' }, 'ca-central-1'],
  ])(
    'call Verified Permissions in the registry target region (%j, env %j → %s) and destroy the client after',
    async (flags, env, region) => {
      // Prepare
      const destroyed: VerifiedPermissionsClient[] = [];
      vi.spyOn(VerifiedPermissionsClient.prototype, 'destroy').mockImplementation(function (
        this: VerifiedPermissionsClient,
      ) {
        destroyed.push(this);
      });
      const cli = cliRunner(env, ['--table', 'tenancy', ...flags], { openRegistry });

      // Act
      const shown = await cli('policies', 'show', 'acme', '--engine', 'avp');

      // Assess
      expect(shown.code).toBe(0);
      expect(shown.out).toEqual(['acme has no avp policy store (run: policy-store create acme --engine avp)']);
      expect(destroyed).toHaveLength(1);
      expect(await destroyed[0]?.config.region()).toBe(region);
    },
  );
});
