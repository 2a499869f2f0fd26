import type { TenantRegistry } from '../registry/tenant-registry';
import { SeatLimitError, TenantInactiveError } from '../runtime/errors';
import type { HandlerLogger } from '../runtime/handler-logger';
import { reasonOf } from '../runtime/reason-codes';
import type { NewUser } from './new-user';

/**
 * Records a sign-up refused by a known tenant (full, or not active) in that tenant's audit trail. Refusals
 * without a tenant (nothing bound) are not recorded in the registry: they have no tenant partition, and anyone
 * can cause them; the decision log and the metric count them. Never throws: the refusal stands either way.
 */
export async function recordRefusal(
  registry: Pick<TenantRegistry, 'recordRefusal'>,
  error: unknown,
  user: Pick<NewUser, 'sub' | 'triggerSource'>,
  logger: Pick<HandlerLogger, 'warn'>,
): Promise<void> {
  if (!(error instanceof SeatLimitError || error instanceof TenantInactiveError)) return;
  try {
    await registry.recordRefusal(error.tenantId, reasonOf(error), {
      ...(user.sub === undefined ? {} : { sub: user.sub }),
      detail: { triggerSource: user.triggerSource },
    });
  } catch (failure) {
    logger.warn('sign-up refusal not recorded in the audit trail', {
      error: failure instanceof Error ? failure.name : 'unknown',
    });
  }
}
