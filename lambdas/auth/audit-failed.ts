import { type AuthAuditLog, type AuthEvent, recordAuthEvent } from '#core/auth/audit.ts';
import type { Clock } from '#core/ports.ts';
import { logger, metrics } from '#shared/observability.ts';

/** An audit write failed: logged and counted, the request itself goes on (see recordAuthEvent). */
export const auditFailed = (error: unknown): void => {
  metrics.addMetric('AuditWriteFailures', 'Count', 1);
  logger.error('Could not write the auth audit log', error as Error);
};

/** Records an auth event stamped now; an audit outage is reported, never fails the request. */
export const auditAuthEvent = (
  ports: { readonly audit?: AuthAuditLog | undefined; readonly clock: Clock },
  event: Omit<AuthEvent, 'at'>,
): Promise<void> =>
  recordAuthEvent(ports.audit, { ...event, at: ports.clock.now().toISOString() }, auditFailed);
