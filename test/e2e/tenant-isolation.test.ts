/**
 * Tenant isolation, route by route: every route in the route table is called with a second
 * tenant's credentials aimed at the first tenant's resources, and none of them reveals or
 * changes anything of the first tenant. A route added to the table without a check here fails
 * the first test, so the walk stays complete.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import { createTenant, createUser } from '#core/auth/accounts.ts';
import { routes } from '#shared/catalog.ts';
import { type LocalStack, startLocalStack } from '../../bin/local-stack.ts';
import { call, postEmail, waitForAnalysis } from '../support/local-stack-client.ts';

const lowCost = { logN: 10, r: 8, p: 1 };
const password = 'a-long-enough-password';
let stack: LocalStack;
let stateDir: string;
let url: string;

interface Session {
  readonly access: string;
  readonly refresh: string;
}
let alice: Session; // tenant "blue" (the victim)
let mallory: Session; // tenant "red" (the caller)
let blueEmailId: string;
let blueClientId: string;
const message = new TextEncoder().encode(
  'From: CEO <ceo@blue.example>\r\nTo: fin@blue.example\r\nMessage-ID: <iso-1@blue.example>\r\n' +
    'Subject: Wire transfer\r\n\r\nPlease pay the attached invoice today.\r\n',
);

const json = (body: unknown) => ({
  method: 'POST',
  contentType: 'application/json',
  body: JSON.stringify(body),
});
const login = async (username: string): Promise<Session> => {
  const response = await call<{ access_token: string; refresh_token: string }>(
    `${url}/v1/auth/token`,
    json({ username, password }),
  );
  expect(response.status).toBe(200);
  return { access: response.body.access_token, refresh: response.body.refresh_token };
};
/** Alice's session still works: her email is readable with her token. */
const aliceUnaffected = async () => {
  const view = await call(`${url}/v1/emails/${blueEmailId}`, { token: alice.access });
  expect(view.status).toBe(200);
};

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'phishx-isolation-'));
  stack = await startLocalStack({
    port: 0,
    stateDir,
    dynamoDbEndpoint: inject('ddbEndpoint'),
    tenant: 'iso-seed',
    admin: { username: 'iso-admin' },
    passwordCost: lowCost,
  });
  url = stack.url;
  const aws = await import('#adapters/aws.ts');
  for (const [tenant, username] of [
    ['blue', 'alice.iso'],
    ['red', 'mallory.iso'],
  ] as const) {
    await createTenant(
      { id: tenant, name: tenant, domains: [] },
      { tenants: aws.tenants(), clock: systemClock },
    );
    await createUser(
      { username, password, tenant, role: 'admin' },
      { users: aws.users(), clock: systemClock, random: cryptoRandom, passwordCost: lowCost },
    );
  }
  alice = await login('alice.iso');
  mallory = await login('mallory.iso');
  const posted = await postEmail(url, alice.access, message);
  expect(posted.status).toBe(202);
  blueEmailId = posted.body.id;
  await waitForAnalysis(url, alice.access, blueEmailId);
  const client = await call<{ client_id: string }>(`${url}/v1/clients`, {
    ...json({ name: 'blue gateway' }),
    token: alice.access,
  });
  expect(client.status).toBe(201);
  blueClientId = client.body.client_id;
});

/** The first tenant's client is still there, enabled. */
const blueClientUnaffected = async () => {
  const listed = await call<{ clients: { client_id: string; disabled: boolean }[] }>(`${url}/v1/clients`, {
    token: alice.access,
  });
  expect(listed.body.clients).toContainEqual(
    expect.objectContaining({ client_id: blueClientId, disabled: false }),
  );
};

afterAll(async () => {
  await stack?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

/** One check per route: the second tenant's attempt, and what must hold afterwards. */
const checks: Record<string, () => Promise<void>> = {
  'POST /v1/auth/token': async () => {
    const red = await login('mallory.iso');
    expect(decodeJwt(red.access).tenant).toBe('red');
  },
  'POST /v1/emails': async () => {
    // The very same message in the other tenant is a new email with its own id, not a
    // "duplicate" that would hand over the first tenant's id.
    const posted = await postEmail(url, mallory.access, message);
    expect(posted.status).toBe(202);
    expect(posted.body.id).not.toBe(blueEmailId);
  },
  'GET /v1/emails/{id}': async () => {
    const response = await call(`${url}/v1/emails/${blueEmailId}`, { token: mallory.access });
    expect(response.status).toBe(404);
    expect(JSON.stringify(response.body)).not.toMatch(/Wire transfer|blue\.example/);
  },
  'GET /health': async () => {
    const response = await call(`${url}/health`);
    expect(JSON.stringify(response.body)).not.toMatch(/blue|alice/);
  },
  'POST /v1/auth/refresh': async () => {
    const response = await call<{ access_token: string }>(
      `${url}/v1/auth/refresh`,
      json({ refresh_token: mallory.refresh }),
    );
    expect(response.status).toBe(200);
    expect(decodeJwt(response.body.access_token).tenant).toBe('red');
  },
  'POST /v1/auth/logout': async () => {
    const fresh = await login('mallory.iso');
    const response = await call(`${url}/v1/auth/logout`, {
      ...json({ refresh_token: alice.refresh }),
      token: fresh.access,
    });
    expect(response.status).toBe(400);
    await aliceUnaffected();
    const refreshed = await call<{ access_token: string; refresh_token: string }>(
      `${url}/v1/auth/refresh`,
      json({ refresh_token: alice.refresh }),
    );
    expect(refreshed.status).toBe(200);
    alice = { access: refreshed.body.access_token, refresh: refreshed.body.refresh_token };
  },
  'POST /v1/auth/revoke-all': async () => {
    const fresh = await login('mallory.iso');
    const response = await call(`${url}/v1/auth/revoke-all`, { method: 'POST', token: fresh.access });
    expect(response.status).toBe(200);
    await aliceUnaffected();
    // The caller revoked its own tokens (all issued up to this second): log in again for the rest.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    mallory = await login('mallory.iso');
  },
  'GET /v1/emails': async () => {
    // Search the first tenant's sender from the other tenant: nothing of the first tenant.
    const response = await call<{ emails?: { id: string }[] }>(
      `${url}/v1/emails?sender=${encodeURIComponent('ceo@blue.example')}`,
      { token: mallory.access },
    );
    expect(JSON.stringify(response.body)).not.toContain(blueEmailId);
  },
  'GET /v1/audit': async () => {
    const response = await call<{ events: { actor: string }[] }>(`${url}/v1/audit`, {
      token: mallory.access,
    });
    expect(response.status).toBe(200);
    expect(response.body.events.length).toBeGreaterThan(0);
    expect(response.body.events.every((event) => event.actor === 'mallory.iso')).toBe(true);
    // Filtering by the first tenant's admin finds nothing of theirs.
    const filtered = await call<{ events: unknown[] }>(`${url}/v1/audit?actor=alice.iso`, {
      token: mallory.access,
    });
    expect(filtered.body.events).toEqual([]);
  },
  'GET /v1/subjects/{address}/export': async () => {
    // The second tenant holds its own copy of the message (posted above): only that one.
    const response = await call<{ emails: { id: string }[]; account: unknown }>(
      `${url}/v1/subjects/${encodeURIComponent('ceo@blue.example')}/export`,
      { token: mallory.access },
    );
    expect(response.status).toBe(200);
    expect(response.body.emails.map((email) => email.id)).not.toContain(blueEmailId);
    // The first tenant's admin, exported from the second tenant: no account, no events.
    const admin = await call<{ account: unknown; auditEvents: unknown[] }>(
      `${url}/v1/subjects/${encodeURIComponent('alice.iso')}/export`,
      { token: mallory.access },
    );
    expect(admin.status).toBe(400); // not an address
    const byAddress = await call<{ account: unknown; auditEvents: unknown[] }>(
      `${url}/v1/subjects/${encodeURIComponent('fin@blue.example')}/export`,
      { token: mallory.access },
    );
    expect(JSON.stringify(byAddress.body)).not.toContain(blueEmailId);
  },
  'DELETE /v1/subjects/{address}': async () => {
    const response = await call<{ erased: { account: boolean } }>(
      `${url}/v1/subjects/${encodeURIComponent('fin@blue.example')}`,
      { method: 'DELETE', token: mallory.access },
    );
    expect(response.status).toBe(200);
    expect(response.body.erased.account).toBe(false);
    // Only the second tenant's own copy went: aliceUnaffected() reads the first tenant's email.
  },
  'POST /v1/users': async () => {
    // A username is global: another tenant cannot take over (or learn more than "taken") an existing one.
    const response = await call(`${url}/v1/users`, {
      ...json({ username: 'alice.iso', password, role: 'admin' }),
      token: mallory.access,
    });
    expect(response.status).toBe(409);
    await aliceUnaffected();
  },
  'GET /v1/users': async () => {
    const listed = await call(`${url}/v1/users`, { token: mallory.access });
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toContain('alice.iso');
  },
  'PATCH /v1/users/{username}': async () => {
    const response = await call(`${url}/v1/users/alice.iso`, {
      method: 'PATCH',
      contentType: 'application/json',
      body: JSON.stringify({ role: 'readonly', disabled: true }),
      token: mallory.access,
    });
    expect(response.status).toBe(404);
  },
  'DELETE /v1/users/{username}': async () => {
    const response = await call(`${url}/v1/users/alice.iso`, { method: 'DELETE', token: mallory.access });
    expect(response.status).toBe(404);
  },
  'POST /v1/clients': async () => {
    const created = await call<{ client_id: string }>(`${url}/v1/clients`, {
      ...json({ name: 'red' }),
      token: mallory.access,
    });
    expect(created.status).toBe(201);
    await blueClientUnaffected();
  },
  'GET /v1/clients': async () => {
    const listed = await call(`${url}/v1/clients`, { token: mallory.access });
    expect(JSON.stringify(listed.body)).not.toContain(blueClientId);
  },
  'PATCH /v1/clients/{id}': async () => {
    const response = await call(`${url}/v1/clients/${blueClientId}`, {
      method: 'PATCH',
      contentType: 'application/json',
      body: JSON.stringify({ disabled: true }),
      token: mallory.access,
    });
    expect(response.status).toBe(404);
    await blueClientUnaffected();
  },
  'DELETE /v1/clients/{id}': async () => {
    const response = await call(`${url}/v1/clients/${blueClientId}`, {
      method: 'DELETE',
      token: mallory.access,
    });
    expect(response.status).toBe(404);
    await blueClientUnaffected();
  },
  'GET /.well-known/jwks.json': async () => {
    const response = await call<{ keys: Record<string, unknown>[] }>(`${url}/.well-known/jwks.json`);
    for (const key of response.body.keys)
      expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x']);
  },
};

describe('tenant isolation across every route', () => {
  it('has a check for every route in the route table', () => {
    const missing = routes.map((route) => `${route.method} ${route.path}`).filter((key) => !(key in checks));
    expect(missing).toEqual([]);
  });

  it.each(routes.map((route) => `${route.method} ${route.path}`))(
    "%s: the other tenant's caller sees and changes nothing of the first tenant",
    async (key) => {
      await (checks[key] as () => Promise<void>)();
      await aliceUnaffected();
    },
  );
});
