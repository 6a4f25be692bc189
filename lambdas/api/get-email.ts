/**
 * GET /v1/emails/{id}: the analysis of one of the caller's tenant's emails; with its decrypted
 * sender, recipients and subject for admins and SOC analysts.
 */

import * as aws from '#adapters/aws.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import { hasAnyScope } from '#core/auth/principal.ts';
import { viewEmail } from '#core/emails/email-view.ts';
import { invalidRequest } from '#core/errors.ts';
import { isEmailId } from '#core/ingest/ingest-email.ts';
import type { CryptoPorts } from '#core/emails/email-envelope.ts';
import type { EmailRepository } from '#core/ports.ts';
import { type HttpHandlerOptions, httpHandlerWith, requirePrincipal } from '#shared/http.ts';

export const createGetEmailHandler = (
  ports: { readonly emails: EmailRepository } & CryptoPorts,
  options: HttpHandlerOptions = {},
) =>
  httpHandlerWith(options)('get-email', async (request) => {
    const principal = requirePrincipal(request);
    const id = request.event.pathParameters?.id ?? '';
    if (!isEmailId(id))
      throw invalidRequest('invalid_email_id', 'An email id is 32 lower-case hex characters');
    // Who wrote to whom is for the roles that investigate mail (admin, soc_analyst).
    const includeMessage = hasAnyScope(principal, ['soc', 'admin']);
    const view = await viewEmail(principal.tenant, id, ports, { includeMessage });
    return { statusCode: 200, body: view };
  });

export const handler = createGetEmailHandler(
  { emails: aws.emails(), keyring: aws.keyring(), random: cryptoRandom },
  { rateLimits: { store: aws.rateLimits(), clock: systemClock } },
);
