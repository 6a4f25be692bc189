/**
 * The token endpoint's abuse protection on the real adapters (DynamoDB Local): the exact
 * per-(IP, username) limit at its boundary, and brute-force blocking that an attacker cannot
 * turn against a victim.
 */
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbTenantRepository, DynamoDbUserRepository } from '#adapters/dynamodb/account-repositories.ts';
import { DynamoDbRateLimits } from '#adapters/dynamodb/rate-limits.ts';
import { DynamoDbRefreshFamilies } from '#adapters/dynamodb/refresh-families.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import { createTenant, createUser } from '#core/auth/accounts.ts';
import { keyPrefixed } from '#core/ratelimit/sliding-window.ts';
import type { createTokenHandler } from '../../lambdas/auth/token.ts';
import { newSigningKey } from '../support/signing-keys.ts';
import { freshTable } from '../support/local-table.ts';

const password = 'a-long-enough-password';
let handler: ReturnType<typeof createTokenHandler>;
let run = 0;

const context = {
  functionName: 'auth-token',
  awsRequestId: 'r',
  getRemainingTimeInMillis: () => 10_000,
} as Context;
const request = (ip: string, username: string, secret = password) =>
  handler(
    {
      resource: '/v1/auth/token',
      path: '/v1/auth/token',
      httpMethod: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': '192.0.2.1' },
      multiValueHeaders: {},
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: null,
      stageVariables: null,
      isBase64Encoded: false,
      body: JSON.stringify({ username, password: secret }),
      requestContext: { identity: { sourceIp: ip } } as APIGatewayProxyEvent['requestContext'],
    },
    context,
  );

beforeAll(async () => {
  const { tableName, documents } = await freshTable();
  const users = new DynamoDbUserRepository(documents, tableName);
  await createTenant(
    { id: 'acme', name: 'acme', domains: [] },
    { tenants: new DynamoDbTenantRepository(documents, tableName), clock: systemClock },
  );
  for (const username of ['ana', 'victim', 'bob']) {
    await createUser(
      { username, password, tenant: 'acme', role: 'soc_analyst' },
      { users, clock: systemClock, random: cryptoRandom, passwordCost: { logN: 10, r: 8, p: 1 } },
    );
  }
  const key = await newSigningKey('k1');
  // The module also builds its AWS handler at import: give it an environment first.
  Object.assign(process.env, {
    PHISHX_TABLE_NAME: tableName,
    PHISHX_DATA_KEY_ID: 'unused',
    PHISHX_SIGNING_SECRET_ID: 'unused',
    PHISHX_JWT_ISSUER: 'https://phishx.test',
    PHISHX_JWT_AUDIENCE: 'phishx-api',
  });
  const { createTokenHandler } = await import('../../lambdas/auth/token.ts');
  run += 1;
  handler = createTokenHandler({
    users,
    families: new DynamoDbRefreshFamilies(documents, tableName),
    rateLimits: keyPrefixed(new DynamoDbRateLimits(documents, tableName), `run${run}`),
    signingKeys: { current: async () => key, verificationKeys: async () => [key] },
    settings: { issuer: 'https://phishx.test', audience: 'phishx-api' },
    clock: systemClock,
    random: cryptoRandom,
  });
});

describe('POST /v1/auth/token abuse protection', () => {
  it('the 5th login in a minute passes, the 6th gets 429 with Retry-After', async () => {
    for (let i = 1; i <= 5; i++) expect((await request('203.0.113.5', 'ana')).statusCode).toBe(200);
    const sixth = await request('203.0.113.5', 'ana');
    expect(sixth.statusCode).toBe(429);
    expect(JSON.parse(sixth.body)).toMatchObject({ error: { code: 'rate_limited' } });
    const retryAfter = Number(sixth.headers?.['Retry-After']);
    expect(retryAfter).toBeGreaterThanOrEqual(55);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // The same user from another address is not limited by it.
    expect((await request('203.0.113.6', 'ana')).statusCode).toBe(200);
  });

  it('an attacker elsewhere can never lock the victim out', async () => {
    const attacker = '198.51.100.66';
    const statuses: number[] = [];
    for (let i = 0; i < 16; i++) statuses.push((await request(attacker, `victim`, `wrong-${i}`)).statusCode);
    // 5 wrong passwords per (IP, user) per minute, then limited: rotate usernames to reach the block.
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual(Array(11).fill(429));
    for (let i = 0; i < 6; i++) await request(attacker, `nobody${i}`, 'wrong');
    for (let i = 0; i < 6; i++) await request(attacker, `ghost${i}`, 'wrong');
    const blocked = await request(attacker, 'bob');
    expect(blocked.statusCode).toBe(429);
    expect(JSON.parse(blocked.body)).toMatchObject({ error: { code: 'ip_blocked' } });
    expect(Number(blocked.headers?.['Retry-After'])).toBeGreaterThan(0);
    // The victim, from their own address, logs in at once; X-Forwarded-For (spoofable) is ignored.
    expect((await request('203.0.113.77', 'victim')).statusCode).toBe(200);
  });
});
