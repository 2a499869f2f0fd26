import { VerifiedPermissionsClient } from '@aws-sdk/client-verifiedpermissions';
import { afterEach, describe, expect, it, vi } from 'vitest';
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
});

describe('tenants policies commands on the avp engine', () => {
  it.each([
    [['--region', 'eu-west-1'], { AWS_REGION: 'us-east-1' }, 'eu-west-1'],
    [[], { AWS_REGION: 'ap-southeast-2' }, 'ap-southeast-2'],
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
