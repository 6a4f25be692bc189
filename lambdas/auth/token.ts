/**
 * POST /v1/auth/token: username and password in, a 15-minute bearer token and a refresh token
 * (rotated on every use: POST /v1/auth/refresh) out.
 */
import * as z from 'zod/mini';
import * as aws from '#adapters/aws.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import { type LoginPorts, loginWithPassword } from '#core/auth/login.ts';
import { type RefreshFamilyStore, startRefreshFamily } from '#core/auth/refresh-tokens.ts';
import { httpHandler } from '#shared/http.ts';
import { parseJsonBody } from '#shared/json-body.ts';
import { metrics } from '#shared/observability.ts';

const credentials = z.object({
  username: z.string().check(z.minLength(1), z.maxLength(128)),
  password: z.string().check(z.minLength(1), z.maxLength(1024)),
});

export interface TokenHandlerPorts extends LoginPorts {
  readonly families: RefreshFamilyStore;
}

export const createTokenHandler = (ports: TokenHandlerPorts) =>
  httpHandler('auth-token', async ({ event }) => {
    const body = parseJsonBody(event, credentials);
    try {
      const issued = await loginWithPassword(
        { username: body.username.toLowerCase(), password: body.password },
        ports,
      );
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
      throw error;
    }
  });

export const handler = createTokenHandler({
  users: aws.users(),
  families: aws.refreshFamilies(),
  signingKeys: aws.signingKeys(),
  clock: systemClock,
  random: cryptoRandom,
  settings: aws.tokenSettings(),
});
