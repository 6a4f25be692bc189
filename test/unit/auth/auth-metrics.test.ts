/**
 * The auth handlers emit the EMF metrics the dashboard and alarms read: TokensIssued,
 * AuthFailures, RateLimited, ReuseDetected. Handlers run on in-memory stores here.
 */
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { cryptoRandom } from '#adapters/system.ts';
import { hashPassword } from '#core/auth/passwords.ts';
import type { UserRecord } from '#core/ports.ts';
import { metrics } from '#shared/observability.ts';
import {
  MemoryRateLimits,
  MemoryRefreshFamilies,
  MemoryRevocations,
} from '../../support/memory-auth-stores.ts';
import { newSigningKey } from '../../support/signing-keys.ts';

const context = { functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => 10_000 } as Context;
const event = (resource: string, body: unknown, ip = '203.0.113.1'): APIGatewayProxyEvent => ({
  resource,
  path: resource,
  httpMethod: 'POST',
  headers: { 'Content-Type': 'application/json' },
  multiValueHeaders: {},
  queryStringParameters: null,
  multiValueQueryStringParameters: null,
  pathParameters: null,
  stageVariables: null,
  isBase64Encoded: false,
  body: JSON.stringify(body),
  requestContext: { identity: { sourceIp: ip } } as APIGatewayProxyEvent['requestContext'],
});

let token: (e: APIGatewayProxyEvent, c: Context) => Promise<{ statusCode: number; body: string }>;
let refresh: typeof token;

beforeAll(async () => {
  Object.assign(process.env, {
    PHISHX_TABLE_NAME: 'unused',
    PHISHX_DATA_KEY_ID: 'unused',
    PHISHX_SIGNING_SECRET_ID: 'unused',
    PHISHX_JWT_ISSUER: 'https://phishx.test',
    PHISHX_JWT_AUDIENCE: 'phishx-api',
  });
  const key = await newSigningKey('k1');
  const user: UserRecord = {
    username: 'ana',
    tenant: 'acme',
    role: 'readonly',
    passwordHash: await hashPassword('a-long-enough-password', cryptoRandom, { logN: 10, r: 8, p: 1 }),
    disabled: false,
    createdAt: new Date().toISOString(),
  };
  const users = {
    findByUsername: async (name: string) => (name === 'ana' ? user : null),
    createIfAbsent: async () => false,
  };
  const common = {
    users,
    families: new MemoryRefreshFamilies(),
    revocations: new MemoryRevocations(),
    signingKeys: { current: async () => key, verificationKeys: async () => [key] },
    settings: { issuer: 'https://phishx.test', audience: 'phishx-api' },
    clock: { now: () => new Date() },
    random: cryptoRandom,
  };
  const { createTokenHandler } = await import('../../../lambdas/auth/token.ts');
  const { createRefreshHandler } = await import('../../../lambdas/auth/refresh.ts');
  token = createTokenHandler({ ...common, rateLimits: new MemoryRateLimits() }) as never;
  refresh = createRefreshHandler({ ...common, graceSeconds: 0 }) as never;
});

const recorded = () => {
  const spy = vi.spyOn(metrics, 'addMetric');
  return { names: () => spy.mock.calls.map(([name]) => name), restore: () => spy.mockRestore() };
};

describe('auth metrics', () => {
  it('TokensIssued on a login and a refresh; ReuseDetected and AuthFailures on a replay', async () => {
    const metric = recorded();
    const login = await token(
      event('/v1/auth/token', { username: 'ana', password: 'a-long-enough-password' }),
      context,
    );
    const { refresh_token: first } = JSON.parse(login.body) as { refresh_token: string };
    expect((await refresh(event('/v1/auth/refresh', { refresh_token: first }), context)).statusCode).toBe(
      200,
    );
    expect((await refresh(event('/v1/auth/refresh', { refresh_token: first }), context)).statusCode).toBe(
      400,
    );
    expect(metric.names()).toEqual(['TokensIssued', 'TokensIssued', 'ReuseDetected', 'AuthFailures']);
    metric.restore();
  });

  it('AuthFailures on a wrong password, RateLimited on the 6th attempt in a minute', async () => {
    const metric = recorded();
    const attempt = () =>
      token(event('/v1/auth/token', { username: 'ana', password: 'wrong' }, '198.51.100.9'), context);
    for (let i = 0; i < 5; i++) expect((await attempt()).statusCode).toBe(401);
    const limited = await attempt();
    expect(limited.statusCode).toBe(429);
    expect(metric.names()).toEqual([...Array(5).fill('AuthFailures'), 'RateLimited']);
    metric.restore();
  });
});
