/**
 * No personal data in any log line: every dev-corpus email goes through the real handlers of
 * the local stack (ingest over HTTP, then analysis) at the most verbose log level, and the
 * captured output must not contain a sender or recipient address, a subject, or a fragment of
 * a body of any of them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { parseEmail } from '#core/email/parse-email.ts';
import { type LocalStack, startLocalStack } from '../../bin/local-stack.ts';
import { corpusEmails, readCorpusEmail } from '../support/corpus.ts';
import { login, postEmail, waitForAnalysis } from '../support/local-stack-client.ts';

/** Emails in flight at once: enough to keep the queue's batches full. */
const concurrency = 8;
const output: string[] = [];
let stack: LocalStack;
let stateDir: string;

beforeAll(async () => {
  // Loggers read their level when the handlers are imported, inside startLocalStack.
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  const capture = (chunk: unknown) => {
    output.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  stateDir = mkdtempSync(join(tmpdir(), 'phishx-logs-'));
  stack = await startLocalStack({
    port: 0,
    stateDir,
    dynamoDbEndpoint: inject('ddbEndpoint'),
    tenant: 'logs',
    admin: { username: 'privacy-admin' },
    passwordCost: { logN: 10, r: 8, p: 1 },
    queue: { visibilityTimeoutMs: 2_000, pollIntervalMs: 20, maxBatchingWindowMs: 20 },
  });
});

afterAll(async () => {
  await stack?.stop();
  vi.restoreAllMocks();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('log privacy', () => {
  it('logs no address, subject or body fragment of any message it handles', async () => {
    const token = await login(stack.url, stack.admin.username, stack.admin.password);
    const all = corpusEmails();
    expect(all.length).toBeGreaterThan(2000);

    const secrets = new Set<string>();
    const handle = async (email: (typeof all)[number]) => {
      const raw = readCorpusEmail(email);
      const parsed = await parseEmail(raw);
      for (const address of [parsed.from, ...parsed.to, ...parsed.cc, ...parsed.replyTo]) {
        if (address && address.address.includes('@')) secrets.add(address.address.toLowerCase());
      }
      if (parsed.subject.trim().length >= 12) secrets.add(parsed.subject.trim().slice(0, 40).toLowerCase());
      const body = parsed.text.replace(/\s+/g, ' ').trim();
      if (body.length >= 80) secrets.add(body.slice(20, 60).toLowerCase());

      const accepted = await postEmail(stack.url, token, raw);
      expect(accepted.status).toBe(202);
      const analysed = await waitForAnalysis(stack.url, token, accepted.body.id);
      expect(analysed.body.status).toBe('analyzed');
    };
    let next = 0;
    const worker = async () => {
      while (next < all.length) await handle(all[next++] as (typeof all)[number]);
    };
    await Promise.all(Array.from({ length: concurrency }, worker));

    const logged = output.join('').toLowerCase();
    expect(logged).toContain('email analysed'); // the capture saw the handlers' lines
    const leaked = [...secrets].filter((secret) => logged.includes(secret));
    expect(leaked).toEqual([]);
    expect(secrets.size).toBeGreaterThan(all.length);
  }, 600_000);
});
