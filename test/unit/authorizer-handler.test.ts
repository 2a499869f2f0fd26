import { describe, expect, it, vi } from 'vitest';
import { authorizerConfigFromEnv } from '../../shared/authorizer/authorizer-config';
import { createAuthorizerHandler } from '../../shared/authorizer/authorizer-handler';
import type { JwtVerifier } from '../../shared/authorizer/token-verifier';
import { ConfigurationError } from '../../shared/runtime/errors';
import { loadEvent } from '../support/events';
import { CLIENT_ID, POOL_ID } from '../support/jwt';

const ENV = { TENANCY_USER_POOL_IDS: POOL_ID, TENANCY_CLIENT_IDS: CLIENT_ID };

function recordingLogger() {
  return { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn(), appendKeys: vi.fn(), resetKeys: vi.fn() };
}

/** Registry reads that are never reached by these tests (no token gets that far). */
const noReads = {
  getTenant: () => Promise.reject(new Error('not read')),
  resolveBinding: () => Promise.reject(new Error('not read')),
  getMembership: () => Promise.reject(new Error('not read')),
};

/** A verifier whose keys cannot be fetched and that verifies nothing. */
const unreachableKeys: JwtVerifier = {
  verify: () => Promise.reject(new Error('no keys')),
  hydrate: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9')),
};

describe('authorizer handler factory', () => {
  it('refuses to build without a registry to read: the tenant check pins tokens to their pool and is always on', () => {
    // Prepare
    const config = authorizerConfigFromEnv(ENV);

    // Act
    const build = () =>
      createAuthorizerHandler({
        config,
        jwtVerifier: unreachableKeys,
        tenants: undefined,
        logger: recordingLogger(),
        metrics: { record: vi.fn() },
      });

    // Assess
    expect(build).toThrow(ConfigurationError);
    expect(build).toThrow(/TENANCY_API_TENANT_CHECK/);
  });

  it('warns once that the keys could not be fetched at cold start, and still answers requests', async () => {
    // Prepare
    const logger = recordingLogger();
    const handler = createAuthorizerHandler({
      config: authorizerConfigFromEnv(ENV),
      jwtVerifier: unreachableKeys,
      tenants: noReads,
      logger,
      metrics: { record: vi.fn() },
    });

    // Act
    const answer = await handler(loadEvent('authorizer/rest-token.json')).catch((error: Error) => error.message);

    // Assess
    expect(answer).toBe('Unauthorized');
    expect(logger.warn).toHaveBeenCalledWith('JWKS hydration failed; keys will be fetched on first use', {
      reason: 'Error: connect ECONNREFUSED 127.0.0.1:9',
    });
  });

  it('answers exactly Unauthorized, counted as internal-error, when the handler itself fails', async () => {
    // Prepare
    const logger = recordingLogger();
    const metrics = {
      record: vi.fn().mockImplementationOnce(() => {
        throw 'log sink closed';
      }),
    };
    const handler = createAuthorizerHandler({
      config: authorizerConfigFromEnv(ENV),
      jwtVerifier: unreachableKeys,
      tenants: noReads,
      logger,
      metrics,
    });

    // Act
    const error = await handler({ type: 'unknown' }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('Unauthorized');
    expect(metrics.record).toHaveBeenLastCalledWith('unauthorized', 'internal-error');
    expect(logger.error).toHaveBeenCalledWith(
      'authorizer failed; answering Unauthorized',
      expect.objectContaining({ reason: 'internal-error', error: 'string' }),
    );
  });
});
