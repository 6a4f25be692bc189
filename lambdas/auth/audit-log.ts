/** GET /v1/auth/audit-log[?limit=50&before=<ISO time>]: the caller's tenant's auth events (admin). */
import * as aws from '#adapters/aws.ts';
import { systemClock } from '#adapters/system.ts';
import type { AuthAuditLog } from '#core/auth/audit.ts';
import { invalidRequest } from '#core/errors.ts';
import { type HttpHandlerOptions, httpHandlerWith, requirePrincipal } from '#shared/http.ts';

const isoTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

export const createAuditLogHandler = (
  ports: { readonly audit: AuthAuditLog },
  options: HttpHandlerOptions = {},
) =>
  httpHandlerWith(options)('auth-audit-log', async (request) => {
    const principal = requirePrincipal(request);
    const query = request.event.queryStringParameters ?? {};
    const limit = query.limit === undefined ? 50 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
      throw invalidRequest('invalid_limit', 'limit is an integer from 1 to 200');
    }
    if (query.before !== undefined && !isoTime.test(query.before)) {
      throw invalidRequest('invalid_before', 'before is an ISO 8601 UTC time');
    }
    // The tenant comes from the verified token only: an admin reads its own tenant's log.
    const events = await ports.audit.list(principal.tenant, {
      limit,
      ...(query.before !== undefined && { before: query.before }),
    });
    return { statusCode: 200, body: { events: events.map(({ tenant: _tenant, ...event }) => event) } };
  });

export const handler = createAuditLogHandler(
  { audit: aws.authAudit() },
  { rateLimits: { store: aws.rateLimits(), clock: systemClock } },
);
