/**
 * POST /v1/auth/token: username and password in, a 15-minute bearer token and a refresh token
 * (rotated on every use: POST /v1/auth/refresh) out.
 */
import * as z from 'zod/mini';
import * as aws from '#adapters/aws.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import { type LoginPorts, loginWithPassword } from '#core/auth/login.ts';
import { type RefreshFamilyStore, startRefreshFamily } from '#core/auth/refresh-tokens.ts';
import { isDomainError } from '#core/errors.ts';
import { assertNotBlocked, recordFailure } from '#core/ratelimit/brute-force.ts';
import { consumeAll, type RateLimitStore } from '#core/ratelimit/sliding-window.ts';
import { tokenEndpointRateLimits } from '#shared/catalog.ts';
import { httpHandler } from '#shared/http.ts';
import { parseJsonBody } from '#shared/json-body.ts';
import { logger, metrics } from '#shared/observability.ts';

const credentials = z.object({
  username: z.string().check(z.minLength(1), z.maxLength(128)),
  password: z.string().check(z.minLength(1), z.maxLength(1024)),
});

export interface TokenHandlerPorts extends LoginPorts {
  readonly families: RefreshFamilyStore;
  readonly rateLimits: RateLimitStore;
}

export const createTokenHandler = (ports: TokenHandlerPorts) =>
  httpHandler('auth-token', async ({ event }) => {
    const body = parseJsonBody(event, credentials);
    const username = body.username.toLowerCase();
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
    try {
      const issued = await loginWithPassword({ username, password: body.password }, ports);
      const { refreshToken } = await startRefreshFamily(issued.subject, issued, ports);
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
      }
      throw error;
    }
  });

export const handler = createTokenHandler({
  users: aws.users(),
  families: aws.refreshFamilies(),
  rateLimits: aws.rateLimits(),
  signingKeys: aws.signingKeys(),
  clock: systemClock,
  random: cryptoRandom,
  settings: aws.tokenSettings(),
});
