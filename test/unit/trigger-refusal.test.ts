import { describe, expect, it, vi } from 'vitest';
import {
  NoTenantForUserError,
  RegistryUnavailableError,
  SeatLimitError,
  TenantInactiveError,
} from '../../shared/runtime/errors';
import { triggerRefusal } from '../../shared/runtime/trigger-refusal';

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
    const shown = triggerRefusal(refusal, { logger, subject: 'sign-up' });

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
    const shown = triggerRefusal(outage, { logger, subject: 'sign-up' });

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
    const shown = triggerRefusal(thrown, { logger, subject: 'sign-up' });

    // Assess
    expect(shown.message).toBe('The service is temporarily unavailable. Please try again.');
    expect(logger.error).toHaveBeenCalledWith('sign-up trigger failed', expect.objectContaining({ error: logged }));
    expect(JSON.stringify(logger.error.mock.calls)).not.toContain('user@example.com');
  });

  it('keeps the original error as the cause of the error it returns, and counts and logs it in one line', () => {
    // Prepare
    const logger = recordingLogger();
    const metrics = { record: vi.fn() };
    const refusal = new SeatLimitError('acme', 5);

    // Act
    const shown = triggerRefusal(refusal, { logger, metrics, subject: 'token' });

    // Assess
    expect(shown.cause).toBe(refusal);
    expect(shown.userMessage).toBe(refusal.userMessage);
    expect(metrics.record).toHaveBeenCalledTimes(1);
    expect(metrics.record).toHaveBeenCalledWith('refused', 'seats-full', undefined, {
      level: 'WARN',
      message: 'token refused',
      fields: { error: 'SeatLimitError', detail: refusal.message },
    });
    expect(logger.warn).not.toHaveBeenCalled();
    expect(logger.error).not.toHaveBeenCalled();
  });

  it("logs the tenant's tier when the refusal names it, as the metric counts it", () => {
    // Prepare
    const logger = recordingLogger();

    // Act
    triggerRefusal(new SeatLimitError('acme', 5, 'free'), { logger, subject: 'sign-up' });

    // Assess
    expect(logger.warn).toHaveBeenCalledWith('sign-up refused', expect.objectContaining({ tier: 'free' }));
  });

  it('writes an explained refusal as the one decision line, at ERROR, when metrics are given', () => {
    // Prepare
    const logger = recordingLogger();
    const metrics = { record: vi.fn() };
    const explain = () => ({ message: 'explained', fields: { hint: 'h' } });

    // Act
    triggerRefusal(new TenantInactiveError('acme', 'suspended'), { logger, metrics, subject: 'token', explain });

    // Assess
    expect(metrics.record).toHaveBeenCalledWith('refused', 'tenant-inactive', undefined, {
      level: 'ERROR',
      message: 'explained',
      fields: { hint: 'h' },
    });
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('logs the explanation a trigger gives for an error instead of the standard line', () => {
    // Prepare
    const logger = recordingLogger();
    const refusal = new TenantInactiveError('acme', 'suspended');
    const explain = (error: unknown) =>
      error instanceof TenantInactiveError ? { message: 'explained', fields: { tenantId: error.tenantId } } : undefined;

    // Act
    triggerRefusal(refusal, { logger, subject: 'token', explain });
    triggerRefusal(new SeatLimitError('acme', 5), { logger, subject: 'token', explain });

    // Assess
    expect(logger.error).toHaveBeenCalledWith('explained', expect.objectContaining({ tenantId: 'acme' }));
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });
});
