/**
 * Identity end to end, as a new user would, against the local stack over HTTP: log in, refresh,
 * replay the old refresh token → the session is revoked and its access tokens stop working on
 * the very next request. Also logout, revoke-all and the JWKS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import { createUser } from '#core/auth/accounts.ts';
import { type LocalStack, startLocalStack } from '../../bin/local-stack.ts';
import { call } from '../support/local-stack-client.ts';

const lowCost = { logN: 10, r: 8, p: 1 };
const password = 'a-long-enough-password';
let stack: LocalStack;
let stateDir: string;
let url: string;

interface Tokens {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly expires_in: number;
}

const json = (body: unknown) => ({
  method: 'POST',
  contentType: 'application/json',
  body: JSON.stringify(body),
});
const login = (username: string) => call<Tokens>(`${url}/v1/auth/token`, json({ username, password }));
const refresh = (token: string) => call<Tokens>(`${url}/v1/auth/refresh`, json({ refresh_token: token }));
/** Any jwt route: the email lookup answers 404 for an unknown id once the token is accepted. */
const probe = async (token: string) =>
  (await call(`${url}/v1/emails/00000000000000000000000000000000`, { token })).status;

/**
 * The admin's session, logged in once: every login from 127.0.0.1 counts against the token
 * endpoint's 20/min per-IP limit, which this file would otherwise reach.
 */
let adminTokens: Promise<{ status: number; body: Tokens }> | undefined;
const adminSession = () => {
  adminTokens ??= call<Tokens>(
    `${url}/v1/auth/token`,
    json({ username: stack.admin.username, password: stack.admin.password }),
  );
  return adminTokens;
};

const newUser = async (username: string) => {
  const aws = await import('#adapters/aws.ts');
  await createUser(
    { username, password, tenant: 'idp', role: 'soc_analyst' },
    { users: aws.users(), clock: systemClock, random: cryptoRandom, passwordCost: lowCost },
  );
};

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'phishx-identity-'));
  stack = await startLocalStack({
    port: 0,
    stateDir,
    dynamoDbEndpoint: inject('ddbEndpoint'),
    tenant: 'idp',
    admin: { username: 'idp-admin' },
    passwordCost: lowCost,
  });
  url = stack.url;
});

afterAll(async () => {
  await stack?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('sessions against the local stack', () => {
  it('log in, refresh, replay the old refresh token: the session is revoked and its access tokens stop at once', async () => {
    await newUser('rita');
    const first = await login('rita');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    expect(first.body.refresh_token).toMatch(/^prt1\./);
    expect(await probe(first.body.access_token)).toBe(404);

    const second = await refresh(first.body.refresh_token);
    expect(second.status).toBe(200);
    expect(second.headers.get('cache-control')).toBe('no-store');
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
    expect(await probe(second.body.access_token)).toBe(404);

    // The attacker replays the refresh token the client already used.
    const replay = await refresh(first.body.refresh_token);
    expect(replay.status).toBe(400);
    expect(replay.body).toMatchObject({ error: { code: 'invalid_grant' } });

    // At once: the very next request with either access token of the session is refused.
    for (const token of [second.body.access_token, first.body.access_token]) {
      const refused = await call(`${url}/v1/emails/00000000000000000000000000000000`, { token });
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual({
        error: { code: 'token_revoked', message: 'The access token has been revoked' },
      });
    }
    // And the legitimate client's current refresh token is dead too: it must log in again.
    expect((await refresh(second.body.refresh_token)).status).toBe(400);
    // A new login is a new session, unaffected.
    const again = await login('rita');
    expect(await probe(again.body.access_token)).toBe(404);
  });

  it('logout revokes that session and that access token, not the other sessions', async () => {
    await newUser('lou');
    const laptop = await login('lou');
    const phone = await login('lou');
    const out = await call(`${url}/v1/auth/logout`, {
      ...json({ refresh_token: laptop.body.refresh_token }),
      token: laptop.body.access_token,
    });
    expect(out.status).toBe(200);
    expect(await probe(laptop.body.access_token)).toBe(401);
    expect((await refresh(laptop.body.refresh_token)).status).toBe(400);
    expect(await probe(phone.body.access_token)).toBe(404);
    expect((await refresh(phone.body.refresh_token)).status).toBe(200);
  });

  it("logout refuses another user's refresh token and revokes nothing of theirs", async () => {
    await newUser('vic');
    await newUser('mal');
    const victim = await login('vic');
    const attacker = await login('mal');
    const out = await call(`${url}/v1/auth/logout`, {
      ...json({ refresh_token: victim.body.refresh_token }),
      token: attacker.body.access_token,
    });
    expect(out.status).toBe(400);
    expect((await refresh(victim.body.refresh_token)).status).toBe(200);
  });

  it('revoke-all ends every session of the caller', async () => {
    await newUser('ray');
    const a = await login('ray');
    const b = await login('ray');
    const done = await call(`${url}/v1/auth/revoke-all`, { method: 'POST', token: a.body.access_token });
    expect(done.status).toBe(200);
    for (const session of [a, b]) {
      expect(await probe(session.body.access_token)).toBe(401);
      expect((await refresh(session.body.refresh_token)).status).toBe(400);
    }
    // Tokens issued in the revoking second are revoked too (iat has second precision).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const fresh = await login('ray');
    expect(await probe(fresh.body.access_token)).toBe(404);
  });

  it('publishes the public signing keys; tokens verify with them', async () => {
    const jwks = await call<{ keys: Record<string, unknown>[] }>(`${url}/.well-known/jwks.json`);
    expect(jwks.status).toBe(200);
    expect(jwks.headers.get('cache-control')).toBe('public, max-age=300');
    expect(jwks.body.keys.length).toBeGreaterThanOrEqual(1);
    for (const key of jwks.body.keys) {
      expect(key).not.toHaveProperty('d');
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    }
    await newUser('jay');
    const session = await login('jay');
    const key = jwks.body.keys[0] as Record<string, unknown>;
    const publicKey = await importJWK({ ...key }, 'EdDSA');
    await expect(
      jwtVerify(session.body.access_token, publicKey, { algorithms: ['EdDSA'], typ: 'at+jwt' }),
    ).resolves.toBeTruthy();
  });

  it('records auth events in the tenant audit trail, filterable, readable by its admin only', async () => {
    const admin = await adminSession();
    expect(admin.status).toBe(200);
    const log = await call<{ events: { action: string; actor: string; session?: string }[] }>(
      `${url}/v1/audit?limit=200`,
      { token: admin.body.access_token },
    );
    expect(log.status).toBe(200);
    const actions = new Set(log.body.events.map((event) => event.action));
    for (const action of [
      'token_issued',
      'token_refreshed',
      'refresh_reuse_detected',
      'session_revoked',
      'all_sessions_revoked',
    ]) {
      expect(actions).toContain(action);
    }
    // Filters: one action, and an actor.
    const issued = await call<{ events: { action: string; actor: string }[] }>(
      `${url}/v1/audit?action=token_issued&actor=${encodeURIComponent(log.body.events[0]?.actor ?? '')}`,
      { token: admin.body.access_token },
    );
    expect(issued.body.events.length).toBeGreaterThan(0);
    expect(issued.body.events.every((event) => event.action === 'token_issued')).toBe(true);
    expect(new Set(issued.body.events.map((event) => event.actor)).size).toBe(1);
    expect(JSON.stringify(log.body)).not.toMatch(/prt1\.|eyJ/);
    // A soc_analyst is not an admin.
    const analyst = await login('rita');
    const refused = await call(`${url}/v1/audit`, { token: analyst.body.access_token });
    expect(refused.status).toBe(403);
  });

  it('machine clients: an admin creates one, it gets tokens by client_credentials, disabling it stops them at once', async () => {
    const admin = await adminSession();
    const token = admin.body.access_token;
    const created = await call<{ client_id: string; client_secret: string }>(`${url}/v1/clients`, {
      ...json({ name: 'mail gateway' }),
      token,
    });
    expect(created.status).toBe(201);
    const { client_id: clientId, client_secret: secret } = created.body;
    const grant = (clientSecret: string) =>
      call<Tokens>(
        `${url}/v1/auth/token`,
        json({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
      );
    const issued = await grant(secret);
    expect(issued.status).toBe(200);
    expect(issued.body).not.toHaveProperty('refresh_token');
    const claims = JSON.parse(
      Buffer.from(issued.body.access_token.split('.')[1] as string, 'base64url').toString(),
    );
    expect(claims).toMatchObject({ sub: clientId, tenant: 'idp', role: 'api_client' });
    expect((await grant('wrong-secret')).body).toMatchObject({ error: { code: 'invalid_client' } });

    const listed = await call<{ clients: { client_id: string; disabled: boolean }[] }>(`${url}/v1/clients`, {
      token,
    });
    expect(listed.body.clients).toContainEqual(
      expect.objectContaining({ client_id: clientId, disabled: false }),
    );
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    expect(await probe(issued.body.access_token)).toBe(404);
    const disabled = await call(`${url}/v1/clients/${clientId}`, {
      method: 'PATCH',
      contentType: 'application/json',
      body: JSON.stringify({ disabled: true }),
      token,
    });
    expect(disabled.status).toBe(200);
    expect(await probe(issued.body.access_token)).toBe(401);
    expect((await grant(secret)).status).toBe(401);
    expect((await call(`${url}/v1/clients/${clientId}`, { method: 'DELETE', token })).status).toBe(200);
    expect((await call(`${url}/v1/clients/${clientId}`, { method: 'DELETE', token })).status).toBe(404);
    const trail = await call<{ events: { action: string; target?: string }[] }>(
      `${url}/v1/audit?action=client_created,client_changed,client_deleted`,
      { token },
    );
    expect(
      trail.body.events.filter((event) => event.target === clientId).map((event) => event.action),
    ).toEqual(['client_deleted', 'client_changed', 'client_created']);
  });

  it("tenant admin manages users; a demotion or a disable revokes the user's tokens at once", async () => {
    const admin = await adminSession();
    const token = admin.body.access_token;
    const created = await call(`${url}/v1/users`, {
      ...json({ username: 'nina', password, role: 'soc_analyst' }),
      token,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: 'nina', role: 'soc_analyst', disabled: false });
    expect(JSON.stringify(created.body)).not.toContain('scrypt');
    const listed = await call<{ users: { username: string }[] }>(`${url}/v1/users`, { token });
    expect(listed.body.users.map((user) => user.username)).toEqual(
      expect.arrayContaining(['nina', 'idp-admin']),
    );
    expect(JSON.stringify(listed.body)).not.toContain('passwordHash');

    const nina = await login('nina');
    expect(await probe(nina.body.access_token)).toBe(404);
    const patch = (body: unknown, as = token) =>
      call(`${url}/v1/users/nina`, {
        method: 'PATCH',
        contentType: 'application/json',
        body: JSON.stringify(body),
        token: as,
      });
    expect((await patch({ role: 'readonly' })).status).toBe(200);
    // Her soc_analyst token dies at once, and so does her session's refresh token.
    expect(await probe(nina.body.access_token)).toBe(401);
    expect((await refresh(nina.body.refresh_token)).status).toBe(400);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const again = await login('nina');
    expect(
      JSON.parse(Buffer.from(again.body.access_token.split('.')[1] as string, 'base64url').toString()).role,
    ).toBe('readonly');
    expect((await patch({ disabled: true })).status).toBe(200);
    expect(await probe(again.body.access_token)).toBe(401);
    expect((await login('nina')).status).toBe(401);
    // No self-lockout, and only admins.
    const self = await call(`${url}/v1/users/idp-admin`, { method: 'DELETE', token });
    expect(self.body).toMatchObject({ error: { code: 'cannot_modify_self' } });
    expect((await call(`${url}/v1/users/nina`, { method: 'DELETE', token })).status).toBe(200);
    expect((await call(`${url}/v1/users`, { token: (await login('rita')).body.access_token })).status).toBe(
      403,
    );
    // Every change is on the record: who did what to whom.
    const trail = await call<{ events: { action: string; actor: string; target?: string }[] }>(
      `${url}/v1/audit?action=user_created,user_changed,user_deleted&limit=200`,
      { token },
    );
    const ninas = trail.body.events.filter((event) => event.target === 'nina');
    expect(ninas.map((event) => event.action)).toEqual([
      'user_deleted',
      'user_changed',
      'user_changed',
      'user_created',
    ]);
    expect(ninas.every((event) => event.actor === 'idp-admin')).toBe(true);
  });
});
