import { logger, metrics } from '#shared/observability.ts';

/** An audit write failed: logged and counted, the request itself goes on (see recordAuthEvent). */
export const auditFailed = (error: unknown): void => {
  metrics.addMetric('AuditWriteFailures', 'Count', 1);
  logger.error('Could not write the auth audit log', error as Error);
};
