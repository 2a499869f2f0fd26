import { describe, expect, it, vi } from 'vitest';
import { userSafeError } from '../../shared/assignment/trigger-error';
import {
  NoTenantForUserError,
  RegistryUnavailableError,
  SeatLimitError,
  TenantInactiveError,
} from '../../shared/runtime/errors';

function recordingLogger() {
  return { warn: vi.fn(), error: vi.fn() };
}

describe('errors a sign-up trigger shows the end user', () => {
  it.each([
    ['no tenant', new NoTenantForUserError('no binding places the user')],
    ['an inactive tenant', new TenantInactiveError('acme', 'suspended')],
    ['no free seat', new SeatLimitError('acme', 5)],
  ])('logs a refusal for %s as a warning and shows only its user message', (_case, refusal) => {
    // Prepare
    const logger = recordingLogger();

    // Act
    const shown = userSafeError(refusal, logger);

    // Assess
    expect(shown.message).toBe(refusal.userMessage);
    expect(shown.message).not.toContain('acme');
    expect(logger.warn).toHaveBeenCalledWith(
      'sign-up refused',
      expect.objectContaining({ outcome: 'refused', error: refusal.name, detail: refusal.message }),
    );
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('logs an outage as an error and shows the generic retry message', () => {
    // Prepare
    const logger = recordingLogger();
    const outage = new RegistryUnavailableError('addMember', { cause: new Error('secret detail') });

    // Act
    const shown = userSafeError(outage, logger);

    // Assess
    expect(shown.message).toBe('The service is temporarily unavailable. Please try again.');
    expect(logger.error).toHaveBeenCalledWith(
      'sign-up refused',
      expect.objectContaining({ error: 'RegistryUnavailableError' }),
    );
  });

  it.each([
    ['an unexpected Error', new TypeError('cannot read properties of undefined (user@example.com)'), 'TypeError'],
    ['a thrown non-error', 'user@example.com', 'unknown'],
  ])('never shows or logs the text of %s', (_case, thrown, logged) => {
    // Prepare
    const logger = recordingLogger();

    // Act
    const shown = userSafeError(thrown, logger);

    // Assess
    expect(shown.message).toBe('The service is temporarily unavailable. Please try again.');
    expect(logger.error).toHaveBeenCalledWith('sign-up trigger failed', expect.objectContaining({ error: logged }));
    expect(JSON.stringify(logger.error.mock.calls)).not.toContain('user@example.com');
  });
});
