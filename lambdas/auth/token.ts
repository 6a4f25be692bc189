/** POST /v1/auth/token: username and password in, a 15-minute bearer token out. */
import * as z from 'zod/mini';
import * as aws from '#adapters/aws.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import { type LoginPorts, loginWithPassword } from '#core/auth/login.ts';
import { httpHandler } from '#shared/http.ts';
import { parseJsonBody } from '#shared/json-body.ts';
import { metrics } from '#shared/observability.ts';

const credentials = z.object({
  username: z.string().check(z.minLength(1), z.maxLength(128)),
  password: z.string().check(z.minLength(1), z.maxLength(1024)),
});

export const createTokenHandler = (ports: LoginPorts) =>
  httpHandler('auth-token', async ({ event }) => {
    const body = parseJsonBody(event, credentials);
    try {
      const issued = await loginWithPassword(
        { username: body.username.toLowerCase(), password: body.password },
        ports,
      );
      metrics.addMetric('TokensIssued', 'Count', 1);
      return {
        statusCode: 200,
        body: { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn },
      };
    } catch (error) {
      metrics.addMetric('AuthFailures', 'Count', 1);
      throw error;
    }
  });

export const handler = createTokenHandler({
  users: aws.users(),
  signingKeys: aws.signingKeys(),
  clock: systemClock,
  random: cryptoRandom,
  settings: aws.tokenSettings(),
});
