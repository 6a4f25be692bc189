/**
 * The rotation job, on a schedule (EventBridge, daily, primary region only: the table is a
 * global table, so one writer is enough and replication carries the new envelopes to every
 * region). Rotates branch keys that reached the rotation period, then re-wraps items to their
 * tenant's newest key, until shortly before the function's timeout; the cursors stay saved and
 * the next run resumes there (see core/rotation/rewrap-items.ts).
 *
 * The event carries nothing the job reads (a schedule's event, or `{}` by hand). Logs and
 * metrics carry counts and ids, never content.
 */
import type { Context } from 'aws-lambda';
import * as aws from '#adapters/aws.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import {
  passPercent,
  type RewrapOptions,
  type RewrapPorts,
  type RewrapReport,
  RewrapRunError,
  runRewrap,
} from '#core/rotation/rewrap-items.ts';
import { observedHandler } from '#shared/middleware.ts';
import { logger, metrics } from '#shared/observability.ts';

/**
 * Asks for no new page once less than this is left of the invocation: a page (at most 500
 * items scanned, emails re-wrapped 8 at a time per segment) takes about a second, so a minute
 * leaves ample room to finish it, save its cursor and publish the metrics.
 */
export const stopMarginMilliseconds = 60_000;

export type RewrapHandlerPorts = Omit<RewrapPorts, 'onFailure' | 'onRotated'>;

export interface RewrapHandlerSettings extends Omit<RewrapOptions, 'keepGoing'> {
  readonly stopMarginMilliseconds?: number;
}

const publish = (report: RewrapReport): void => {
  metrics.addMetric('RewrapScanned', 'Count', report.scanned);
  metrics.addMetric('ItemsRewrapped', 'Count', report.rewrapped);
  metrics.addMetric('RewrapFailures', 'Count', report.failed);
  metrics.addMetric('BranchKeysRotated', 'Count', report.branchKeysRotated);
  metrics.addMetric('RewrapSegmentsComplete', 'Count', report.segmentsComplete);
  metrics.addMetric('RewrapPassPercent', 'Percent', passPercent(report));
};

export const createRewrapHandler = (ports: RewrapHandlerPorts, settings: RewrapHandlerSettings = {}) => {
  const { stopMarginMilliseconds: margin = stopMarginMilliseconds, ...options } = settings;
  return observedHandler<unknown, RewrapReport>().handler(async (_event: unknown, context: Context) => {
    try {
      const report = await runRewrap(
        {
          ...ports,
          onFailure: (item, reason) =>
            logger.warn('Item not re-wrapped', { tenant: item.tenant, emailId: item.id, reason }),
          onRotated: (tenant, from, version) =>
            logger.info('Branch key rotated', { tenant, fromVersion: from, version }),
        },
        { ...options, keepGoing: () => context.getRemainingTimeInMillis() > margin },
      );
      publish(report);
      logger.info(report.passComplete ? 'Re-wrap pass complete' : 'Re-wrap run stopped; resumes next run', {
        ...report,
      });
      return report;
    } catch (error) {
      if (error instanceof RewrapRunError) {
        publish(error.report);
        logger.error('Re-wrap run stopped on an error; resumes from its checkpoints', {
          ...error.report,
          error: error.cause instanceof Error ? error.cause : new Error('unknown error'),
        });
      }
      throw error;
    }
  });
};

export const handler = createRewrapHandler({
  source: aws.rewrapSource(),
  checkpoints: aws.rewrapCheckpoints(),
  keyring: aws.keyring(),
  branchKeys: aws.branchKeys(),
  clock: systemClock,
  random: cryptoRandom,
});
