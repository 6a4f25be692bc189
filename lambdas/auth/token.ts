/**
 * POST /v1/auth/token, two grants (JSON body):
 * - `password` (the default): `{"username","password"}` → a 15-minute bearer token and a refresh
 *   token (rotated on every use: POST /v1/auth/refresh);
 * - `client_credentials`: `{"grant_type":"client_credentials","client_id","client_secret"}` → a
 *   bearer token for the machine client (role api_client), no refresh token (RFC 6749 §4.4.3).
 * Both share the IP block and the per-IP limits; the second limit is per (IP, username or client).
 */
import * as z from 'zod/mini';
import * as aws from '#adapters/aws.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import { type LoginPorts, loginWithPassword } from '#core/auth/login.ts';
import type { AuditRecorder } from '#core/audit/audit-trail.ts';
import { sessionName } from '#core/auth/audit.ts';
import { issueAccessToken } from '#core/auth/access-tokens.ts';
import { authenticateClient, type ClientRepository, invalidClient } from '#core/auth/clients.ts';
import { type RefreshFamilyStore, startRefreshFamily } from '#core/auth/refresh-tokens.ts';
import { isDomainError } from '#core/errors.ts';
import { assertNotBlocked, recordFailure } from '#core/ratelimit/brute-force.ts';
import { consumeAll, type RateLimitStore } from '#core/ratelimit/sliding-window.ts';
import { tokenEndpointRateLimits } from '#shared/catalog.ts';
import { httpHandler } from '#shared/http.ts';
import { parseJsonBody } from '#shared/json-body.ts';
import { logger, metrics } from '#shared/observability.ts';
import { auditAuthEvent } from './audit-failed.ts';

const passwordGrant = z.object({
  grant_type: z.optional(z.literal('password')),
  username: z.string().check(z.minLength(1), z.maxLength(128)),
  password: z.string().check(z.minLength(1), z.maxLength(1024)),
});
const clientGrant = z.object({
  grant_type: z.literal('client_credentials'),
  client_id: z.string().check(z.minLength(1), z.maxLength(64)),
  client_secret: z.string().check(z.minLength(1), z.maxLength(256)),
});
const credentials = z.union([clientGrant, passwordGrant]);

export interface TokenHandlerPorts extends LoginPorts {
  readonly families: RefreshFamilyStore;
  readonly rateLimits: RateLimitStore;
  readonly audit?: AuditRecorder;
  /** Machine clients; without it the client_credentials grant is refused. */
  readonly clients?: ClientRepository;
}

const clientCredentials = async (
  credentials: { readonly clientId: string; readonly secret: string },
  ip: string,
  ports: TokenHandlerPorts,
) => {
  try {
    if (!ports.clients) throw invalidClient();
    const subject = await authenticateClient(credentials, ports.clients);
    const issued = await issueAccessToken(subject, await ports.signingKeys.current(), ports.settings, ports);
    metrics.addMetric('TokensIssued', 'Count', 1);
    await auditAuthEvent(ports, {
      tenant: subject.tenant,
      type: 'token_issued',
      subject: subject.subject,
      sourceIp: ip,
    });
    return {
      statusCode: 200,
      body: { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn },
    };
  } catch (error) {
    metrics.addMetric('AuthFailures', 'Count', 1);
    if (isDomainError(error) && error.code === 'invalid_client') {
      await recordFailure(ip, ports.rateLimits, ports.clock);
      const client =
        ports.audit && ports.clients ? await ports.clients.get(credentials.clientId).catch(() => null) : null;
      if (client) {
        await auditAuthEvent(ports, {
          tenant: client.tenant,
          type: 'login_failed',
          subject: client.clientId,
          sourceIp: ip,
        });
      }
    }
    throw error;
  }
};

export const createTokenHandler = (ports: TokenHandlerPorts) =>
  httpHandler('auth-token', async ({ event }) => {
    const body = parseJsonBody(event, credentials);
    const username = body.grant_type === 'client_credentials' ? body.client_id : body.username.toLowerCase();
    // The TCP peer as API Gateway saw it; X-Forwarded-For is written by the client and ignored.
    const ip = event.requestContext.identity.sourceIp;
    // Before any password work: a blocked IP or an exhausted limit costs no scrypt.
    await assertNotBlocked(ip, ports.rateLimits, ports.clock);
    const { perIpAndUsername, perIp } = tokenEndpointRateLimits;
    await consumeAll(
      [
        { key: `token#ipuser#${ip}#${username}`, ...perIpAndUsername },
        { key: `token#ip#${ip}`, ...perIp },
      ],
      ports.rateLimits,
      ports.clock,
    );
    if (body.grant_type === 'client_credentials') {
      return clientCredentials({ clientId: body.client_id, secret: body.client_secret }, ip, ports);
    }
    try {
      const issued = await loginWithPassword({ username, password: body.password }, ports);
      const { refreshToken, family } = await startRefreshFamily(issued.subject, issued, ports);
      await auditAuthEvent(ports, {
        tenant: family.tenant,
        type: 'token_issued',
        subject: family.subject,
        sourceIp: ip,
        session: sessionName(family.id),
      });
      metrics.addMetric('TokensIssued', 'Count', 1);
      return {
        statusCode: 200,
        body: {
          access_token: issued.token,
          token_type: 'Bearer',
          expires_in: issued.expiresIn,
          refresh_token: refreshToken,
        },
      };
    } catch (error) {
      metrics.addMetric('AuthFailures', 'Count', 1);
      if (isDomainError(error) && error.code === 'invalid_credentials') {
        const blockedUntil = await recordFailure(ip, ports.rateLimits, ports.clock);
        if (blockedUntil !== undefined) logger.warn('Source IP blocked after repeated failed logins');
        // Into the log of the tenant whose user was tried (an unknown username has none).
        const user = ports.audit ? await ports.users.findByUsername(username) : null;
        if (user) {
          const base = { tenant: user.tenant, subject: user.username, sourceIp: ip };
          await auditAuthEvent(ports, { ...base, type: 'login_failed' });
          if (blockedUntil !== undefined) await auditAuthEvent(ports, { ...base, type: 'ip_blocked' });
        }
      }
      throw error;
    }
  });

export const handler = createTokenHandler({
  users: aws.users(),
  families: aws.refreshFamilies(),
  rateLimits: aws.rateLimits(),
  audit: aws.auditTrail(),
  clients: aws.clients(),
  signingKeys: aws.signingKeys(),
  clock: systemClock,
  random: cryptoRandom,
  settings: aws.tokenSettings(),
});
