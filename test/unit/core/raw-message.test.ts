import { describe, expect, it } from 'vitest';
import { assertRawEmail } from '#core/ingest/raw-message.ts';
import { corpusEmails, readCorpusEmail } from '../../support/corpus.ts';

const limit = 1024;
const bytes = (text: string) => new TextEncoder().encode(text);

describe('assertRawEmail', () => {
  it('accepts a minimal message, with or without an mbox separator and CRLF', () => {
    expect(() =>
      assertRawEmail(bytes('From: a@example.com\r\nSubject: hi\r\n\r\nbody'), limit),
    ).not.toThrow();
    expect(() =>
      assertRawEmail(bytes('From a@b Mon Jan 1 2024\nTo: b@example.com\n\nx'), limit),
    ).not.toThrow();
    expect(() =>
      assertRawEmail(bytes('Subject: folded\n  across lines\nDate: today\n\n'), limit),
    ).not.toThrow();
  });

  it.each([
    ['empty', new Uint8Array(), 'empty_body'],
    ['plain prose', bytes('Hello, this is not an email.\n\nReally.'), 'not_an_email'],
    ['JSON', bytes('{"from":"a@example.com"}'), 'not_an_email'],
    ['binary', Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46]), 'not_an_email'],
    ['headers with no identifying field', bytes('X-Foo: bar\nX-Bar: baz\n\nbody'), 'not_an_email'],
    ['a NUL in the header', bytes('From: a@example.com\0\n\nbody'), 'not_an_email'],
    ['a continuation line first', bytes(' Subject: x\n\n'), 'not_an_email'],
  ])('rejects %s with a machine-readable code', (_, raw, code) => {
    expect(() => assertRawEmail(raw, limit)).toThrow(
      expect.objectContaining({ kind: 'invalid_request', code }),
    );
  });

  it('rejects a message over the limit as payload_too_large', () => {
    const raw = bytes(`Subject: big\n\n${'x'.repeat(limit)}`);
    expect(() => assertRawEmail(raw, limit)).toThrow(
      expect.objectContaining({ kind: 'payload_too_large', code: 'email_too_large' }),
    );
  });

  it('accepts every message of the dev corpus', () => {
    const rejected: string[] = [];
    const emails = corpusEmails();
    for (const email of emails) {
      try {
        assertRawEmail(readCorpusEmail(email), 10_000_000);
      } catch {
        rejected.push(email.file);
      }
    }
    expect(emails.length).toBeGreaterThan(2000);
    expect(rejected).toEqual([]);
  });
});
