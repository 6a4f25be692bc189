/** GET /v1/emails/{id}: the analysis of one of the caller's tenant's emails. */

import * as aws from '#adapters/aws.ts';
import { viewEmail } from '#core/emails/email-view.ts';
import { invalidRequest } from '#core/errors.ts';
import { isEmailId } from '#core/ingest/ingest-email.ts';
import type { DataKeyProvider, EmailRepository } from '#core/ports.ts';
import { httpHandler, requirePrincipal } from '#shared/http.ts';

export const createGetEmailHandler = (ports: { emails: EmailRepository; dataKeys: DataKeyProvider }) =>
  httpHandler('get-email', async (request) => {
    const principal = requirePrincipal(request);
    const id = request.event.pathParameters?.id ?? '';
    if (!isEmailId(id))
      throw invalidRequest('invalid_email_id', 'An email id is 32 lower-case hex characters');
    const view = await viewEmail(principal.tenant, id, ports);
    return { statusCode: 200, body: view };
  });

export const handler = createGetEmailHandler({ emails: aws.emails(), dataKeys: aws.dataKeys() });
