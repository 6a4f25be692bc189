/**
 * SES inbound: invoked asynchronously (Event) by the receipt rule's Lambda action, after its S3
 * action stored the raw message. Decodes the SES event, then hands each message to the core.
 *
 * A failure is thrown, never swallowed: Lambda retries the event (twice), then sends it to the
 * on-failure dead-letter queue with the error. Redelivery is harmless (ids derive from the SES
 * message id). Logs carry ids and counts only — never an address, a subject or a domain.
 */
import type { Context, SESEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import * as aws from '#adapters/aws.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import type { ReceiptVerdict } from '#core/detection/analysis.ts';
import { parseEmail } from '#core/email/parse-email.ts';
import {
  ingestSesDelivery,
  type SesDelivery,
  type SesIngestPorts,
  type SesIngestSettings,
} from '#core/ingest/ses-inbound.ts';
import { emailRetentionDays, sesInbound, sesObjectKey } from '#shared/catalog.ts';
import { observedHandler } from '#shared/middleware.ts';
import { logger, metrics } from '#shared/observability.ts';

const verdict = z.object({
  status: z.enum(['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED', 'DISABLED'] satisfies ReceiptVerdict[]),
});

/** Only what ingest needs; SES sends more (headers, common headers) that we do not read. */
const sesRecord = z.object({
  eventSource: z.literal('aws:ses'),
  ses: z.object({
    mail: z.object({
      // Also the object's name in the bucket: keep it to SES's alphabet, never a path.
      messageId: z.string().check(z.regex(/^[A-Za-z0-9._-]{1,128}$/)),
    }),
    receipt: z.object({
      recipients: z.array(z.string()).check(z.minLength(1), z.maxLength(100)),
      spamVerdict: verdict,
      virusVerdict: verdict,
      spfVerdict: verdict,
      dkimVerdict: verdict,
      dmarcVerdict: verdict,
      dmarcPolicy: z.optional(z.enum(['none', 'quarantine', 'reject'])),
    }),
  }),
});
const sesEvent = z.object({ Records: z.array(sesRecord).check(z.minLength(1)) });

/** An event that is not SES's: retrying cannot help, so it goes to the dead-letter queue as is. */
export class MalformedSesEventError extends Error {
  override readonly name = 'MalformedSesEventError';
  readonly code = 'malformed_ses_event';
}

/** SES's Lambda event → the deliveries the core ingests (one per record; SES sends one). */
export const decodeSesEvent = (event: unknown): SesDelivery[] => {
  const parsed = sesEvent.safeParse(event);
  if (!parsed.success) throw new MalformedSesEventError('The event is not an SES receipt event');
  return parsed.data.Records.map(({ ses: { mail, receipt } }) => ({
    messageId: mail.messageId,
    recipients: receipt.recipients,
    objectKey: sesObjectKey(mail.messageId),
    receipt: {
      spam: receipt.spamVerdict.status,
      virus: receipt.virusVerdict.status,
      spf: receipt.spfVerdict.status,
      dkim: receipt.dkimVerdict.status,
      dmarc: receipt.dmarcVerdict.status,
      ...(receipt.dmarcPolicy && { dmarcPolicy: receipt.dmarcPolicy }),
    },
  }));
};

export const defaultSesSettings: SesIngestSettings = {
  maxBytes: sesInbound.maxMessageBytes,
  retentionDays: emailRetentionDays,
};

/** What one invocation did, per message: returned for the local runner and tests (SES ignores it). */
export interface SesIngestReport {
  readonly messages: readonly {
    readonly sesMessageId: string;
    readonly delivered: readonly {
      readonly tenant: string;
      readonly id: string;
      readonly duplicate: boolean;
    }[];
    readonly unknownDomains: number;
  }[];
}

export const createSesIngestHandler = (
  ports: SesIngestPorts,
  settings: SesIngestSettings = defaultSesSettings,
) =>
  observedHandler<SESEvent, SesIngestReport>().handler(async (event: SESEvent, _context: Context) => {
    const messages: SesIngestReport['messages'][number][] = [];
    for (const delivery of decodeSesEvent(event)) {
      const keys = { sesMessageId: delivery.messageId };
      try {
        const outcome = await ingestSesDelivery(delivery, settings, ports);
        const created = outcome.delivered.filter((email) => !email.duplicate).length;
        if (created > 0) metrics.addMetric('EmailsIngested', 'Count', created);
        if (outcome.redelivery) metrics.addMetric('SesRedeliveries', 'Count', 1);
        if (outcome.unknownDomains.length > 0) {
          metrics.addMetric('SesUnknownDomainDrops', 'Count', outcome.unknownDomains.length);
        }
        logger.info('SES message ingested', {
          ...keys,
          emailIds: outcome.delivered.map((email) => email.id),
          tenants: outcome.delivered.length,
          duplicates: outcome.delivered.length - created,
          unknownDomains: outcome.unknownDomains.length,
        });
        messages.push({
          sesMessageId: delivery.messageId,
          delivered: outcome.delivered.map(({ tenant, id, duplicate }) => ({ tenant, id, duplicate })),
          unknownDomains: outcome.unknownDomains.length,
        });
      } catch (error) {
        metrics.addMetric('SesIngestFailures', 'Count', 1);
        const code = (error as { code?: unknown }).code;
        logger.warn('SES message not ingested; Lambda retries, then dead-letters the event', {
          ...keys,
          reason: typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown',
        });
        throw error;
      }
    }
    return { messages };
  });

export const handler = createSesIngestHandler({
  emails: aws.emails(),
  queue: aws.analysisQueue(),
  keyring: aws.keyring(),
  domains: aws.domains(),
  audit: aws.audit(),
  mail: aws.mailStore(),
  clock: systemClock,
  random: cryptoRandom,
  parse: parseEmail,
});
