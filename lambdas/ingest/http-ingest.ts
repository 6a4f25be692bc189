/** POST /v1/emails: one raw RFC 822 message in, `202 {"id","status":"queued"}` out. */

import * as aws from '#adapters/aws.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import { parseEmail } from '#core/email/parse-email.ts';
import { DomainError } from '#core/errors.ts';
import { type IngestPorts, ingestEmail } from '#core/ingest/ingest-email.ts';
import { emailRetentionDays, maxEmailBytes } from '#shared/catalog.ts';
import { type HttpHandlerOptions, header, httpHandlerWith, requirePrincipal } from '#shared/http.ts';
import { logger, metrics } from '#shared/observability.ts';

const rawBody = (body: string | null, isBase64Encoded: boolean): Uint8Array => {
  if (!body) return new Uint8Array();
  if (!isBase64Encoded) return Buffer.from(body, 'utf8');
  // Refuse before decoding: base64 is 4 bytes per 3, so the length alone tells the size.
  if (Math.floor((body.length * 3) / 4) - 2 > maxEmailBytes) {
    throw new DomainError(
      'payload_too_large',
      'email_too_large',
      `The message exceeds the ${maxEmailBytes}-byte limit`,
    );
  }
  return Buffer.from(body, 'base64');
};

export const createIngestHandler = (ports: IngestPorts, options: HttpHandlerOptions = {}) =>
  httpHandlerWith(options)('ingest-email', async (request) => {
    const { event } = request;
    const principal = requirePrincipal(request);
    const contentType = header(event, 'content-type') ?? '';
    if (!/^message\/rfc822\b/i.test(contentType)) {
      throw new DomainError(
        'unsupported_media_type',
        'unsupported_media_type',
        'Send the raw message with Content-Type: message/rfc822',
      );
    }
    const raw = rawBody(event.body, event.isBase64Encoded);
    const result = await ingestEmail(
      {
        tenant: principal.tenant,
        raw,
        source: 'api',
        maxBytes: maxEmailBytes,
        retentionDays: emailRetentionDays,
      },
      ports,
    );
    logger.info('Email accepted', {
      emailId: result.id,
      duplicate: result.duplicate,
      sizeBytes: raw.byteLength,
    });
    if (!result.duplicate) metrics.addMetric('EmailsIngested', 'Count', 1);
    return {
      statusCode: result.duplicate ? 200 : 202,
      headers: { Location: `/v1/emails/${result.id}` },
      body: { id: result.id, status: result.status },
    };
  });

export const handler = createIngestHandler(
  {
    emails: aws.emails(),
    queue: aws.analysisQueue(),
    keyring: aws.keyring(),
    clock: systemClock,
    random: cryptoRandom,
    parse: parseEmail,
  },
  { rateLimits: { store: aws.rateLimits(), clock: systemClock } },
);
