/** POST /v1/auth/refresh: a refresh token in, a new access token and the next refresh token out. */
import * as z from 'zod/mini';
import * as aws from '#adapters/aws.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import { issueAccessToken, type TokenSettings } from '#core/auth/access-tokens.ts';
import type { AuditRecorder } from '#core/audit/audit-trail.ts';
import { sessionName } from '#core/auth/audit.ts';
import { type RefreshFamilyStore, refreshAccessToken } from '#core/auth/refresh-tokens.ts';
import type { RevocationStore } from '#core/auth/revocation.ts';
import { currentUserSubject } from '#core/auth/sessions.ts';
import type { Clock, RandomSource, SigningKeyStore, UserRepository } from '#core/ports.ts';
import { httpHandler } from '#shared/http.ts';
import { parseJsonBody } from '#shared/json-body.ts';
import { logger, metrics } from '#shared/observability.ts';
import { auditAuthEvent } from './audit-failed.ts';

export interface RefreshHandlerPorts {
  readonly families: RefreshFamilyStore;
  readonly revocations: RevocationStore;
  readonly users: UserRepository;
  readonly signingKeys: SigningKeyStore;
  readonly settings: TokenSettings;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly graceSeconds: number;
  readonly audit?: AuditRecorder;
}

const body = z.object({ refresh_token: z.string().check(z.minLength(1), z.maxLength(512)) });

export const createRefreshHandler = (ports: RefreshHandlerPorts) =>
  httpHandler('auth-refresh', async ({ event }) => {
    const { refresh_token: token } = parseJsonBody(event, body);
    try {
      const result = await refreshAccessToken(token, {
        ...ports,
        issue: async (subject) =>
          issueAccessToken(subject, await ports.signingKeys.current(), ports.settings, ports),
        currentSubject: currentUserSubject(ports),
        onReuse: async (family) => {
          metrics.addMetric('ReuseDetected', 'Count', 1);
          // The family id is a bearer secret's half: log its owner, never the id.
          logger.warn('Refresh token reuse: session revoked', {
            tenant: family.tenant,
            subject: family.subject,
            generation: family.generation,
          });
          await auditAuthEvent(ports, {
            tenant: family.tenant,
            type: 'refresh_reuse_detected',
            subject: family.subject,
            sourceIp: event.requestContext.identity.sourceIp,
            session: sessionName(family.id),
          });
        },
      });
      metrics.addMetric('TokensIssued', 'Count', 1);
      await auditAuthEvent(ports, {
        tenant: result.family.tenant,
        type: 'token_refreshed',
        subject: result.family.subject,
        sourceIp: event.requestContext.identity.sourceIp,
        session: sessionName(result.family.id),
      });
      return {
        statusCode: 200,
        body: {
          access_token: result.access.token,
          token_type: 'Bearer',
          expires_in: result.access.expiresIn,
          refresh_token: result.refreshToken,
        },
      };
    } catch (error) {
      metrics.addMetric('AuthFailures', 'Count', 1);
      throw error;
    }
  });

export const handler = createRefreshHandler({
  families: aws.refreshFamilies(),
  revocations: aws.revocations(),
  users: aws.users(),
  signingKeys: aws.signingKeys(),
  settings: aws.tokenSettings(),
  clock: systemClock,
  random: cryptoRandom,
  graceSeconds: aws.refreshGraceSeconds(),
  audit: aws.auditTrail(),
});
