/**
 * POST /v1/auth/logout (`{"refresh_token"?}`): revokes the caller's access token and that
 * refresh token's session. POST /v1/auth/revoke-all: revokes every token of the caller.
 */
import * as z from 'zod/mini';
import * as aws from '#adapters/aws.ts';
import { systemClock } from '#adapters/system.ts';
import type { AuditRecorder } from '#core/audit/audit-trail.ts';
import { logout, revokeAll, type SessionPorts } from '#core/auth/sessions.ts';
import { type HttpHandlerOptions, header, httpHandler, requirePrincipal } from '#shared/http.ts';
import { parseJsonBody } from '#shared/json-body.ts';
import { logger } from '#shared/observability.ts';
import { auditAuthEvent } from './audit-failed.ts';

const logoutBody = z.object({ refresh_token: z.optional(z.string().check(z.maxLength(512))) });

export const createSessionHandler = (
  ports: SessionPorts & { readonly audit?: AuditRecorder },
  options: HttpHandlerOptions = {},
) =>
  httpHandler(
    'auth-session',
    async (request) => {
      const principal = requirePrincipal(request);
      const { event } = request;
      const auditEvent = (type: 'session_revoked' | 'all_sessions_revoked') => ({
        tenant: principal.tenant,
        type,
        subject: principal.subject,
        sourceIp: event.requestContext.identity.sourceIp,
      });
      if (request.route.path === '/v1/auth/revoke-all') {
        await revokeAll(principal, ports);
        await auditAuthEvent(ports, auditEvent('all_sessions_revoked'));
        logger.info('Revoked every token of the subject');
        return { statusCode: 200, body: { status: 'revoked' } };
      }
      const body = event.body && header(event, 'content-type') ? parseJsonBody(event, logoutBody) : {};
      const exp = Number(event.requestContext.authorizer?.exp);
      await logout(principal, Number.isInteger(exp) && exp > 0 ? exp : undefined, body.refresh_token, ports);
      await auditAuthEvent(ports, auditEvent('session_revoked'));
      logger.info('Logged out');
      return { statusCode: 200, body: { status: 'logged_out' } };
    },
    options,
  );

export const handler = createSessionHandler(
  {
    families: aws.refreshFamilies(),
    revocations: aws.revocations(),
    audit: aws.auditTrail(),
    clock: systemClock,
  },
  { rateLimits: { store: aws.rateLimits(), clock: systemClock } },
);
