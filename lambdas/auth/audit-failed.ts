import { type AuditEvent, type AuditRecorder, recordAuditEvent } from '#core/audit/audit-trail.ts';
import type { AuthEvent } from '#core/auth/audit.ts';
import type { Clock } from '#core/ports.ts';
import { logger, metrics } from '#shared/observability.ts';

/** An audit write failed: logged and counted, the request itself goes on (see recordAuditEvent). */
export const auditFailed = (error: unknown): void => {
  metrics.addMetric('AuditWriteFailures', 'Count', 1);
  logger.error('Could not write the audit trail', error as Error);
};

/** Records an event stamped now in the audit trail; an outage is reported, never fails the request. */
export const auditEvent = (
  ports: { readonly audit?: AuditRecorder | undefined; readonly clock: Clock },
  event: Omit<AuditEvent, 'at'>,
): Promise<void> =>
  recordAuditEvent(ports.audit, { ...event, at: ports.clock.now().toISOString() }, auditFailed);

/** Records an auth event stamped now in the audit trail; an outage is reported, never fails the request. */
export const auditAuthEvent = (
  ports: { readonly audit?: AuditRecorder | undefined; readonly clock: Clock },
  { type, subject, ...event }: Omit<AuthEvent, 'at'>,
): Promise<void> => auditEvent(ports, { ...event, action: type, actor: subject });
