/**
 * End to end, as a user would: the local stack (real handlers, DynamoDB Local, in-process
 * queue, local keys) on a free port, called over HTTP.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseSigningKeySet } from '#adapters/secrets/signing-key-set.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import { issueAccessToken } from '#core/auth/access-tokens.ts';
import { createTenant, createUser } from '#core/auth/accounts.ts';
import { maxEmailBytes } from '#shared/catalog.ts';
import { type LocalStack, startLocalStack } from '../../bin/local-stack.ts';
import { corpusEmails, readCorpusEmail } from '../support/corpus.ts';
import { call, login, postEmail, waitForAnalysis } from '../support/local-stack-client.ts';

const lowCost = { logN: 10, r: 8, p: 1 };
let stack: LocalStack;
let stateDir: string;
let adminToken: string;
let url: string;

const raw = (text: string) => new TextEncoder().encode(text);
const simpleEmail = raw(
  'From: Ana <ana@example.com>\r\nTo: bob@example.org\r\nSubject: Lunch\r\n\r\nNoon?\r\n',
);

const addUser = async (username: string, tenant: string, role: 'readonly' | 'api_client' | 'admin') => {
  const aws = await import('#adapters/aws.ts');
  await createTenant(
    { id: tenant, name: tenant, domains: [] },
    { tenants: aws.tenants(), clock: systemClock },
  );
  const password = 'a-long-enough-password';
  await createUser(
    { username, password, tenant, role },
    { users: aws.users(), clock: systemClock, random: cryptoRandom, passwordCost: lowCost },
  );
  return login(url, username, password);
};

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'phishx-e2e-'));
  stack = await startLocalStack({
    port: 0,
    stateDir,
    dynamoDbEndpoint: inject('ddbEndpoint'),
    tenant: 'e2e',
    admin: { username: 'admin' },
    passwordCost: lowCost,
    queue: { visibilityTimeoutMs: 2_000, pollIntervalMs: 20, maxBatchingWindowMs: 20 },
  });
  url = stack.url;
  adminToken = await login(url, stack.admin.username, stack.admin.password);
});

afterAll(async () => {
  await stack?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('the local stack', () => {
  it('binds to loopback and reports healthy dependencies', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await call(`${url}/health`);
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok', dependencies: { database: 'ok', queue: 'ok', keys: 'ok' } });
  });

  it('issues a bearer token with the documented shape', async () => {
    const response = await call(`${url}/v1/auth/token`, {
      method: 'POST',
      contentType: 'application/json',
      body: JSON.stringify({ username: stack.admin.username, password: stack.admin.password }),
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('analyses 20 corpus emails posted over HTTP, each to `analyzed` with findings', async () => {
    const all = corpusEmails();
    const sample = [
      ...all.filter((email) => email.label === 'phish').slice(0, 10),
      ...all.filter((email) => email.label === 'ham').slice(0, 10),
    ];
    const accepted = await Promise.all(
      sample.map((email) => postEmail(url, adminToken, readCorpusEmail(email))),
    );
    for (const response of accepted) {
      expect(response.status).toBe(202);
      expect(response.body).toEqual({ id: expect.stringMatching(/^[0-9a-f]{32}$/), status: 'queued' });
    }
    const results = await Promise.all(
      accepted.map((response) => waitForAnalysis(url, adminToken, response.body.id)),
    );
    for (const result of results) {
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({
        status: 'analyzed',
        verdict: expect.stringMatching(/^(allow|quarantine|block)$/),
        score: expect.any(Number),
        modelVersion: expect.any(String),
        findings: expect.any(Array),
      });
    }
    // Every verdict on a phishing email names the findings that drove it.
    for (const result of results.slice(0, 10)) {
      if (result.body.verdict !== 'allow') expect(result.body.findings.length).toBeGreaterThan(0);
    }
  });

  it('answers the same id for the same message, and analyses it once', async () => {
    const first = await postEmail(url, adminToken, simpleEmail);
    expect(first.status).toBe(202);
    await waitForAnalysis(url, adminToken, first.body.id);
    const sent = stack.queue.stats().sent;
    const second = await postEmail(url, adminToken, simpleEmail);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ id: first.body.id, status: 'analyzed' });
    expect(stack.queue.stats().sent).toBe(sent);
  });

  it('finds the emails of a sender, and refuses a query without exactly one filter', async () => {
    const { body } = await postEmail(url, adminToken, simpleEmail);
    const found = await call<{ emails: { id: string; status: string }[] }>(
      `${url}/v1/emails?sender=${encodeURIComponent('ANA@example.com')}`,
      { token: adminToken },
    );
    expect(found.status).toBe(200);
    expect(found.body.emails.map((email) => email.id)).toEqual([body.id]);
    const none = await call(`${url}/v1/emails`, { token: adminToken });
    expect(none).toMatchObject({ status: 400, body: { error: { code: 'invalid_query' } } });
    const two = await call(`${url}/v1/emails?sender=a@b.example&recipient=c@d.example`, {
      token: adminToken,
    });
    expect(two).toMatchObject({ status: 400, body: { error: { code: 'invalid_query' } } });
  });
});

describe('bad input gets the right 4xx, a clear code, and stores nothing', () => {
  const expectError = (response: { status: number; body: unknown }, status: number, code: string) => {
    expect(response.status).toBe(status);
    expect(response.body).toEqual({ error: { code, message: expect.any(String) } });
  };

  let sentBefore: number;
  beforeAll(() => {
    sentBefore = stack.queue.stats().sent;
  });
  afterAll(() => {
    expect(stack.queue.stats().sent).toBe(sentBefore);
  });

  it('not an email → 400 not_an_email', async () => {
    expectError(await postEmail(url, adminToken, raw('just some words\nand more')), 400, 'not_an_email');
  });

  it('empty body → 400 empty_body', async () => {
    expectError(await postEmail(url, adminToken, new Uint8Array()), 400, 'empty_body');
  });

  it('a body over the limit → 413 email_too_large', async () => {
    const big = new Uint8Array(maxEmailBytes + 1024).fill(0x61);
    big.set(raw('Subject: big\r\n\r\n'));
    expectError(await postEmail(url, adminToken, big), 413, 'email_too_large');
  });

  it('the wrong media type → 415', async () => {
    const response = await call(`${url}/v1/emails`, {
      method: 'POST',
      token: adminToken,
      contentType: 'text/plain',
      body: simpleEmail,
    });
    expectError(response, 415, 'unsupported_media_type');
  });

  it('no token → 401 missing_token', async () => {
    const response = await call(`${url}/v1/emails`, {
      method: 'POST',
      contentType: 'message/rfc822',
      body: simpleEmail,
    });
    expectError(response, 401, 'missing_token');
  });

  it('a malformed token → 401 invalid_token', async () => {
    expectError(await postEmail(url, 'not-a-jwt', simpleEmail), 401, 'invalid_token');
    expectError(await postEmail(url, `${adminToken.slice(0, -4)}AAAA`, simpleEmail), 401, 'invalid_token');
  });

  it('an expired token → 401 token_expired', async () => {
    const [key] = parseSigningKeySet(readFileSync(join(stateDir, 'signing-keys.json'), 'utf8'));
    if (!key) throw new Error('no signing key');
    const anHourAgo = { now: () => new Date(Date.now() - 3600_000) };
    const expired = await issueAccessToken(
      { subject: 'admin', tenant: 'e2e', role: 'admin' },
      key,
      { issuer: 'phishx-local', audience: 'phishx-api' },
      { clock: anHourAgo, random: cryptoRandom },
    );
    expectError(await postEmail(url, expired.token, simpleEmail), 401, 'token_expired');
  });

  it('the wrong scope → 403 insufficient_scope', async () => {
    const readonlyToken = await addUser('reader', 'e2e', 'readonly');
    expectError(await postEmail(url, readonlyToken, simpleEmail), 403, 'insufficient_scope');
  });

  it("another tenant's id → 404", async () => {
    const mine = await postEmail(url, adminToken, raw('From: a@example.com\r\nSubject: mine\r\n\r\nx'));
    const otherToken = await addUser('other-admin', 'other-tenant', 'admin');
    const response = await call(`${url}/v1/emails/${mine.body.id}`, { token: otherToken });
    expectError(response, 404, 'email_not_found');
    sentBefore += 1; // the owner's post above was legitimate
  });

  it('wrong credentials → 401 invalid_credentials, the same for an unknown user', async () => {
    for (const username of ['admin', 'nobody']) {
      const response = await call(`${url}/v1/auth/token`, {
        method: 'POST',
        contentType: 'application/json',
        body: JSON.stringify({ username, password: 'wrong-password-here' }),
      });
      expectError(response, 401, 'invalid_credentials');
    }
  });

  it('a malformed login body → 400', async () => {
    const call400 = (body: string) =>
      call(`${url}/v1/auth/token`, { method: 'POST', contentType: 'application/json', body });
    expectError(await call400('{"username":'), 400, 'invalid_json');
    expectError(await call400('{"username":"admin"}'), 400, 'invalid_request');
  });

  it('a malformed email id → 400, an unknown route → 404', async () => {
    expectError(await call(`${url}/v1/emails/not-an-id`, { token: adminToken }), 400, 'invalid_email_id');
    expectError(await call(`${url}/v1/nothing-here`, { token: adminToken }), 404, 'not_found');
  });
});
