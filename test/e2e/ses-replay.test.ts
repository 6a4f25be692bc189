/**
 * End to end, as a newcomer would: the local stack running, `npm run ses:replay` (the real CLI,
 * in its own process) delivers a corpus phish the way SES would, and the email is then
 * `analyzed` through `GET /v1/emails/{id}` with the receiving tenant's token.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import { createTenant, createUser } from '#core/auth/accounts.ts';
import { repositoryRoot } from '../../lib/constructs/app-function.ts';
import { type LocalStack, startLocalStack } from '../../bin/local-stack.ts';
import { corpusEmails } from '../support/corpus.ts';
import { call, login, waitForAnalysis } from '../support/local-stack-client.ts';

const run = promisify(execFile);
const lowCost = { logN: 10, r: 8, p: 1 };
let stack: LocalStack;
let stateDir: string;

const replay = (...args: string[]) =>
  run(
    process.execPath,
    ['--import', 'tsx', join(repositoryRoot, 'bin/ses-replay.ts'), ...args, '--state-dir', stateDir],
    {
      cwd: repositoryRoot,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    },
  );

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'phishx-ses-e2e-'));
  stack = await startLocalStack({
    port: 0,
    stateDir,
    dynamoDbEndpoint: inject('ddbEndpoint'),
    tenant: 'ses-e2e',
    admin: { username: 'ses-admin' },
    passwordCost: lowCost,
    queue: { visibilityTimeoutMs: 2_000, pollIntervalMs: 20, maxBatchingWindowMs: 20 },
    sesInbox: { pollIntervalMs: 50, retryDelayMs: 50 },
  });
});

afterAll(async () => {
  await stack?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('npm run ses:replay against the local stack', () => {
  it('delivers a corpus phish to the seeded tenant, which sees it analysed', async () => {
    const phish = corpusEmails().find((email) => email.label === 'phish');
    if (!phish) throw new Error('The corpus has no phishing email');
    expect(stack.inboundDomain).toBe('ses-e2e.phishx.local');

    const { stdout } = await replay(phish.path);
    const id = /email ([0-9a-f]{32})/.exec(stdout)?.[1];
    expect(stdout).toContain('tenant ses-e2e');
    expect(stdout).toContain(`${stack.url}/v1/emails/${id}`);
    if (!id) throw new Error(`no email id in:\n${stdout}`);

    const token = await login(stack.url, stack.admin.username, stack.admin.password);
    const analysed = await waitForAnalysis(stack.url, token, id);
    expect(analysed.status).toBe(200);
    expect(analysed.body.status).toBe('analyzed');
    expect(analysed.body.verdict).toMatch(/^(allow|quarantine|block)$/);
    // The inbox is drained: the event was consumed, its outcome written.
    expect(readdirSync(join(stateDir, 'ses-inbox')).filter((name) => name.endsWith('.json'))).toEqual([]);
  });

  it('mail for an unmapped domain is dropped and says so; nothing to read', async () => {
    const phish = corpusEmails().find((email) => email.label === 'phish');
    const failure = await replay(phish?.path ?? '', '--to', 'x@nobody.example').catch(
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 2 });
    expect(String((failure as { stdout?: string }).stdout)).toContain('belong to no tenant');
  });

  it('another tenant cannot read the replayed email', async () => {
    const phish = corpusEmails().find((email) => email.label === 'phish');
    const { stdout } = await replay(phish?.path ?? '');
    const id = /email ([0-9a-f]{32})/.exec(stdout)?.[1];
    const aws = await import('#adapters/aws.ts');
    await createTenant(
      { id: 'ses-other', name: 'other', domains: [] },
      { tenants: aws.tenants(), clock: systemClock },
    );
    await createUser(
      {
        username: 'ses-other-reader',
        password: 'a-long-enough-password',
        tenant: 'ses-other',
        role: 'readonly',
      },
      { users: aws.users(), clock: systemClock, random: cryptoRandom, passwordCost: lowCost },
    );
    const other = await login(stack.url, 'ses-other-reader', 'a-long-enough-password');
    expect((await call(`${stack.url}/v1/emails/${id}`, { token: other })).status).toBe(404);
  });
});
