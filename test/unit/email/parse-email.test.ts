import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseEmail, parseLimits } from '#core/email/parse-email.ts';
import { base64Lines, message, multipart, zip } from '../../fixtures/mime.ts';

describe('parseEmail', () => {
  it('reads headers in order, lower-cased, unfolded and decoded', async () => {
    const raw = new TextEncoder().encode(
      'Received: from a\r\n by b; Mon, 1 Jan 2024 00:00:00 +0000\r\nFrom: "=?UTF-8?B?SsO8cmdlbg==?=" <jurgen@example.com>\r\n' +
        'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n aus Berlin\r\nTo: a@example.org, "B" <b@example.org>\r\n' +
        'Reply-To: r@other.test\r\nReturn-Path: <bounce@example.com>\r\nMessage-ID: <m1@example.com>\r\n\r\nHello\r\n',
    );
    const email = await parseEmail(raw);
    expect(email.headers.map((h) => h.name)).toEqual([
      'received',
      'from',
      'subject',
      'to',
      'reply-to',
      'return-path',
      'message-id',
    ]);
    expect(email.headers[0]?.value).toBe('from a by b; Mon, 1 Jan 2024 00:00:00 +0000');
    expect(email.from).toEqual({ name: 'Jürgen', address: 'jurgen@example.com' });
    expect(email.subject).toBe('Grüße aus Berlin');
    expect(email.to).toEqual([
      { name: '', address: 'a@example.org' },
      { name: 'B', address: 'b@example.org' },
    ]);
    expect(email.replyTo).toEqual([{ name: '', address: 'r@other.test' }]);
    expect(email.returnPath).toBe('bounce@example.com');
    expect(email.messageId).toBe('<m1@example.com>');
    expect(email.text.trim()).toBe('Hello');
    expect(email.size).toBe(raw.byteLength);
    expect(email.defects).toEqual([]);
  });

  it('derives text from HTML when there is no plain part', async () => {
    const email = await parseEmail(
      message(
        { From: 'a@example.com', 'Content-Type': 'text/html; charset=utf-8' },
        '<html><body><p>Hello <b>there</b></p><a href="https://example.com/x">link</a></body></html>',
      ),
    );
    expect(email.html).toContain('<b>there</b>');
    expect(email.text).toContain('Hello there');
  });

  it('records attachments with declared and sniffed types, size, hash and traits', async () => {
    const pdf = new TextEncoder().encode(
      '%PDF-1.4\n1 0 obj << /Type /Page /URI (https://evil.example/login) >>\n%%EOF',
    );
    const archive = zip([{ name: 'invoice.pdf.exe', data: 'MZ....' }], true);
    const body = multipart('b1', [
      { headers: { 'Content-Type': 'text/plain' }, body: 'see attached' },
      {
        headers: {
          'Content-Type': 'application/pdf; name="scan.pdf"',
          'Content-Disposition': 'attachment; filename="scan.pdf"',
          'Content-Transfer-Encoding': 'base64',
        },
        body: base64Lines(pdf),
      },
      {
        headers: {
          'Content-Type': 'application/octet-stream',
          'Content-Disposition': 'attachment; filename="docs.zip"',
          'Content-Transfer-Encoding': 'base64',
        },
        body: base64Lines(archive),
      },
      {
        headers: {
          'Content-Type': 'text/html; name="login.html"',
          'Content-Disposition': 'attachment; filename="login.html"',
        },
        body: '<html><script>var b = atob("AAAA"); new Blob([b]);</script><form action="https://x.test/p"><input type="password"></form></html>',
      },
    ]);
    const email = await parseEmail(
      message({ From: 'a@example.com', 'Content-Type': 'multipart/mixed; boundary="b1"' }, body),
    );
    expect(email.attachments).toHaveLength(3);
    const [p, z, h] = email.attachments;
    expect(p?.declaredType).toBe('application/pdf');
    expect(p?.sniffedType).toBe('application/pdf');
    expect(p?.size).toBe(pdf.byteLength);
    expect(p?.sha256).toBe(createHash('sha256').update(pdf).digest('hex'));
    expect(p?.disposition).toBe('attachment');
    expect(p?.text).toContain('https://evil.example/login');
    expect(z?.sniffedType).toBe('application/zip');
    expect(z?.traits).toEqual(
      expect.arrayContaining([
        'archive',
        'archive-encrypted',
        'entry:invoice.pdf.exe',
        'entry-double-ext:pdf.exe',
      ]),
    );
    expect(h?.traits).toEqual(expect.arrayContaining(['script', 'form', 'smuggling-api', 'password-field']));
    expect(h?.text).toContain('<form');
  });

  it('flags macros in OOXML and OLE documents', async () => {
    const docm = zip([
      { name: '[Content_Types].xml', data: '<Types/>' },
      { name: 'word/vbaProject.bin', data: 'x' },
    ]);
    const ole = new Uint8Array([
      0xd0,
      0xcf,
      0x11,
      0xe0,
      0xa1,
      0xb1,
      0x1a,
      0xe1,
      ...new TextEncoder().encode('..'),
      0x56,
      0,
      0x42,
      0,
      0x41,
      0,
    ]);
    const body = multipart('b2', [
      { headers: { 'Content-Type': 'text/plain' }, body: 'x' },
      {
        headers: {
          'Content-Type': 'application/octet-stream; name="a.docm"',
          'Content-Transfer-Encoding': 'base64',
          'Content-Disposition': 'attachment; filename="a.docm"',
        },
        body: base64Lines(docm),
      },
      {
        headers: {
          'Content-Type': 'application/msword; name="b.doc"',
          'Content-Transfer-Encoding': 'base64',
          'Content-Disposition': 'attachment; filename="b.doc"',
        },
        body: base64Lines(ole),
      },
    ]);
    const email = await parseEmail(
      message({ From: 'a@example.com', 'Content-Type': 'multipart/mixed; boundary=b2' }, body),
    );
    expect(email.attachments[0]?.traits).toEqual(
      expect.arrayContaining(['ooxml', 'macro', 'macro-ext:docm']),
    );
    expect(email.attachments[1]?.traits).toEqual(expect.arrayContaining(['ole', 'macro']));
  });

  it('reads a nested message/rfc822 part', async () => {
    const inner =
      'From: inner@bank.test\r\nSubject: Inner\r\nContent-Type: text/plain\r\n\r\nVerify your account at https://inner.test/login\r\n';
    const body = multipart('b3', [
      { headers: { 'Content-Type': 'text/plain' }, body: 'Forwarded:' },
      { headers: { 'Content-Type': 'message/rfc822' }, body: inner },
    ]);
    const email = await parseEmail(
      message({ From: 'a@example.com', 'Content-Type': 'multipart/mixed; boundary=b3' }, body),
    );
    expect(`${email.text}\n${email.attachments.map((a) => a.text ?? '').join('\n')}`).toContain(
      'https://inner.test/login',
    );
  });

  it('keeps text and links after a huge inline image (its payload is dropped before the size cap)', async () => {
    const image = 'QUJD'.repeat(120_000); // ~480 KB of base64, beyond the body cap
    const email = await parseEmail(
      message(
        { From: 'a@example.com', 'Content-Type': 'text/html; charset=utf-8' },
        `<html><body><img src="data:image/jpeg;base64,${image}"><p>Claim your reward</p>` +
          '<a href="https://reward.example.net/claim">here</a></body></html>',
      ),
    );
    expect(email.html).toContain('data:image/jpeg;base64,(image)');
    expect(email.html).toContain('https://reward.example.net/claim');
    expect(email.text).toContain('Claim your reward');
    expect(email.text).not.toContain('QUJD');
  });

  it('drops an inline image payload corrupted by stray characters up to the end of its attribute', async () => {
    // An address rewritten into the base64 ("…@pot4Jx…") used to end the match early and leave
    // an unclosed tag that turned the rest of the body, links included, into "text".
    const image = `${'QUJD'.repeat(200)}@pot4JxiQ${'QUJD'.repeat(200)}`;
    const email = await parseEmail(
      message(
        { From: 'a@example.com', 'Content-Type': 'text/html; charset=utf-8' },
        `<html><body><a href="https://gift.example.net/claim"><h2>Your free gift</h2><img src="data:image/png;base64,${image}"></a></body></html>`,
      ),
    );
    expect(email.html).toContain('data:image/png;base64,(image)"');
    expect(email.html).not.toContain('@pot4JxiQ');
    expect(email.text).not.toContain('QUJD');
  });

  it('recovers the address from a From header split by an unquoted comma, and records the defect', async () => {
    for (const from of [
      'Microsoft account team ,_<no-reply@access.example.net>',
      'Prize Team, jehd <service@example.de>',
    ]) {
      const email = await parseEmail(message({ From: from }, 'Hello'));
      expect(email.from?.address).toMatch(/@(access\.)?example\.(net|de)$/);
      expect(email.from?.name).toMatch(/^(Microsoft account team|Prize Team)$/);
      expect(email.defects).toContain('from-unparseable');
    }
  });

  it('reads a quoted string posing as an address before the real one as the display name', async () => {
    const email = await parseEmail(message({ From: '"Transport@GLS.de", <service@example.de>' }, 'Hello'));
    expect(email.from).toEqual({ name: 'Transport@GLS.de', address: 'service@example.de' });
    expect(email.defects).toContain('from-multiple-addresses');
    const two = await parseEmail(message({ From: 'a@example.org, b@example.org' }, 'Hello'));
    expect(two.from).toEqual({ name: '', address: 'a@example.org' });
  });

  it('never throws on garbage and records defects', async () => {
    for (const raw of [
      new Uint8Array(),
      new Uint8Array([0, 1, 2, 255, 254]),
      new TextEncoder().encode('no headers at all'),
    ]) {
      const email = await parseEmail(raw);
      expect(email.size).toBe(raw.byteLength);
      expect(email.defects.length).toBeGreaterThan(0);
    }
  });

  it('bounds bodies, attachment counts and the serialised size', async () => {
    const big = 'A'.repeat(parseLimits.bodyChars * 2);
    const parts = [
      { headers: { 'Content-Type': 'text/plain' }, body: big },
      { headers: { 'Content-Type': 'text/html' }, body: `<p>${big}</p>` },
    ];
    for (let i = 0; i < 60; i++) {
      parts.push({
        headers: {
          'Content-Type': `text/plain; name="f${i}.txt"`,
          'Content-Disposition': `attachment; filename="f${i}.txt"`,
        } as never,
        body: 'B'.repeat(70_000),
      });
    }
    const email = await parseEmail(
      message(
        { From: 'a@example.com', 'Content-Type': 'multipart/mixed; boundary=b4' },
        multipart('b4', parts),
      ),
    );
    expect(email.truncated).toBe(true);
    expect(email.attachments.length).toBeLessThanOrEqual(parseLimits.attachments);
    expect(email.defects).toContain('attachments-capped');
    expect(JSON.stringify(email).length).toBeLessThanOrEqual(parseLimits.totalChars);
  });
});
