/**
 * The analysis function: an SQS batch, each record one email to score. Records fail on their
 * own (partial batch response): a failed record returns to the queue and is retried, and on
 * its last attempt the email is marked `failed` with a reason before SQS moves the record to
 * the dead-letter queue. No record is acknowledged unless its result is stored.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import * as aws from '#adapters/aws.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import {
  type AnalysePorts,
  analyseQueuedEmail,
  failureReason,
  recordFinalFailure,
} from '#core/analysis/analyse-email.ts';
import { analyseEmail } from '#core/detection/engine.ts';
import { analysisQueue } from '#shared/catalog.ts';
import { observedHandler } from '#shared/middleware.ts';
import { logger, metrics } from '#shared/observability.ts';

const job = z.object({
  tenant: z.string().check(z.minLength(1)),
  id: z.string().check(z.regex(/^[0-9a-f]{32}$/)),
});

/** A body that is not a job can never succeed: say so plainly, and let SQS dead-letter it. */
class MalformedJobError extends Error {
  override readonly name = 'MalformedJobError';
  readonly code = 'malformed_job';
}

const parseJob = (record: SQSRecord) => {
  try {
    return job.parse(JSON.parse(record.body));
  } catch {
    throw new MalformedJobError('The queue message is not an analysis job');
  }
};

export const createAnalysisHandler = (
  ports: AnalysePorts,
  maxReceiveCount: number = analysisQueue.maxReceiveCount,
) => {
  const processRecord = async (record: SQSRecord): Promise<void> => {
    const attempt = Number(record.attributes.ApproximateReceiveCount);
    const parsed = parseJob(record);
    // Records run concurrently: keys go on each line, not on the shared logger.
    const keys = { tenant: parsed.tenant, emailId: parsed.id, attempt };
    try {
      const outcome = await analyseQueuedEmail(parsed, ports);
      if (outcome.kind === 'analyzed') {
        metrics.addMetric('EmailsAnalyzed', 'Count', 1);
        const verdict = metrics.singleMetric();
        verdict.addDimension('verdict', outcome.analysis.verdict);
        verdict.addMetric('Verdict', 'Count', 1);
        logger.info('Email analysed', {
          ...keys,
          verdict: outcome.analysis.verdict,
          score: outcome.analysis.score,
        });
      } else {
        logger.info('Email already analysed; duplicate job acknowledged', keys);
      }
    } catch (error) {
      metrics.addMetric('AnalysisFailures', 'Count', 1);
      logger.warn('Analysis failed', {
        reason: failureReason(error),
        lastAttempt: attempt >= maxReceiveCount,
      });
      if (attempt >= maxReceiveCount) await recordFinalFailure(parsed, error, ports);
      throw error;
    }
  };

  return observedHandler<SQSEvent, SQSBatchResponse>().handler((event, context) =>
    // A fresh processor per invocation: its record store must not leak across batches.
    processPartialResponse(event, processRecord, new BatchProcessor(EventType.SQS), { context }),
  );
};

export const handler = createAnalysisHandler({
  emails: aws.emails(),
  tenants: aws.tenants(),
  keyring: aws.keyring(),
  clock: systemClock,
  random: cryptoRandom,
  analyse: analyseEmail,
});
