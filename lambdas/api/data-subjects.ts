/**
 * GDPR data-subject requests for the caller's tenant (admin; both audited):
 *   GET    /v1/subjects/{address}/export[?after=…] → everything held about the address, decrypted
 *                                                    (emails in pages: pass `next` as `after`)
 *   DELETE /v1/subjects/{address}                   → erases it: 200 when complete, 202 when more
 *                                                    remains (repeat the call); the answer states
 *                                                    how long backups still hold it
 */
import * as aws from '#adapters/aws.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import { invalidRequest } from '#core/errors.ts';
import { type DataSubjectPorts, eraseSubject, exportSubject } from '#core/subjects/data-subjects.ts';
import { backupRetentionDays } from '#shared/tables.ts';
import { type HttpHandlerOptions, httpHandler, requirePrincipal } from '#shared/http.ts';
import { logger } from '#shared/observability.ts';

// An addr-spec as RFC 5321 bounds it: at most 254 characters, one @, no spaces or controls.
const address = /^[^\s@<>()[\]\\,;:"\p{Cc}]{1,64}@[^\s@<>()[\]\\,;:"\p{Cc}]{1,253}$/u;
const cursor = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z#[0-9a-f]{32}$/;

const subjectAddress = (value: string | undefined): string => {
  const trimmed = (value ?? '').trim();
  if (trimmed.length > 254 || !address.test(trimmed)) {
    throw invalidRequest('invalid_address', 'The subject is an email address');
  }
  return trimmed;
};

export const createDataSubjectsHandler = (ports: DataSubjectPorts, options: HttpHandlerOptions = {}) =>
  httpHandler(
    'data-subjects',
    async (request) => {
      const principal = requirePrincipal(request);
      const { event, route } = request;
      const subject = subjectAddress(event.pathParameters?.address);
      const actor = {
        tenant: principal.tenant,
        subject: principal.subject,
        sourceIp: event.requestContext.identity.sourceIp,
      };
      if (route.method === 'DELETE') {
        const erasure = await eraseSubject(actor, subject, ports);
        logger.info('Data subject erased', { ...erasure.erased, complete: erasure.complete });
        return { statusCode: erasure.complete ? 200 : 202, body: erasure };
      }
      const after = event.queryStringParameters?.after;
      if (after !== undefined && !cursor.test(after)) {
        throw invalidRequest('invalid_query', 'after is the next cursor of a previous page');
      }
      const exported = await exportSubject(actor, subject, after, ports);
      logger.info('Data subject exported', { emails: exported.emails.length, more: exported.next !== null });
      return { statusCode: 200, body: exported };
    },
    options,
  );

export const handler = createDataSubjectsHandler(
  {
    emails: aws.emails(),
    audit: aws.auditTrail(),
    users: aws.users(),
    revocations: aws.revocations(),
    keyring: aws.keyring(),
    random: cryptoRandom,
    clock: systemClock,
    backupRetentionDays,
  },
  { rateLimits: { store: aws.rateLimits(), clock: systemClock } },
);
