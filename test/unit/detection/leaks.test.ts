/** The corpus' era artefacts are removed, and the engine never scores their presence. */
import { analyseEmail, extract } from '#core/detection/engine.ts';
import { isLeakHeader, rewriteLeakAddresses, stripLeaksRaw } from '#core/detection/leaks.ts';
import { sampleFeatures, stripLeaksParsed } from '#core/detection/learn.ts';
import { parseEmail } from '#core/email/parse-email.ts';
import { describe, expect, it } from 'vitest';
import { message } from '../../fixtures/mime.ts';

const leaky = message(
  {
    'Authentication-Results': 'mx.example.org; spf=none; dkim=none; dmarc=none',
    'DKIM-Signature': 'v=1; d=example.com; s=s1; b=AAAA',
    'ARC-Seal': 'i=1; a=rsa-sha256; cv=none; d=example.com; b=AAAA',
    'Received-SPF': 'None (example.org: domain does not designate)',
    'X-MS-Exchange-Organization-AuthAs': 'Anonymous',
    From: 'Alex <alex@example.com>',
    To: 'phishing@pot',
    Subject: 'Notes for jmason at taint.org',
  },
  'Hello, see you Thursday.\n',
);

describe('leak stripping', () => {
  it('classifies the leak headers', () => {
    for (const n of [
      'Authentication-Results',
      'DKIM-Signature',
      'ARC-Seal',
      'Received-SPF',
      'X-MS-Exchange-Organization-AuthAs',
    ])
      expect(isLeakHeader(n)).toBe(true);
    for (const n of ['From', 'Subject', 'Received', 'X-Mailer', 'List-Id'])
      expect(isLeakHeader(n)).toBe(false);
  });

  it('strips headers and rewrites addresses in raw and parsed form', async () => {
    const email = await parseEmail(stripLeaksRaw(leaky));
    expect(email.headers.map((h) => h.name)).toEqual(['from', 'to', 'subject']);
    expect(email.to[0]?.address).toBe('jdoe@example.com');
    expect(email.subject).toBe('Notes for jdoe at example.net');
    const parsed = stripLeaksParsed(await parseEmail(leaky));
    expect(parsed.headers.some((h) => isLeakHeader(h.name))).toBe(false);
    expect(JSON.stringify(parsed)).not.toMatch(/phishing@pot|taint\.org|jmason/i);
    expect(rewriteLeakAddresses('mail jmason@taint.org')).toBe('mail jdoe@example.net');
  });

  it('gives the same verdict and features with or without leak headers and addresses', async () => {
    const before = analyseEmail(await parseEmail(leaky));
    const after = analyseEmail(await parseEmail(stripLeaksRaw(leaky)));
    expect(after.score).toBe(before.score);
    expect(after.findings).toEqual(before.findings);
    expect(sampleFeatures(extract(await parseEmail(leaky)))).toEqual(
      sampleFeatures(extract(await parseEmail(stripLeaksRaw(leaky)))),
    );
  });

  it('scores what an auth header says, not that it exists', async () => {
    const pass = await parseEmail(
      message(
        { 'Authentication-Results': 'mx; dmarc=pass header.from=example.com', From: 'a@example.com' },
        'hi',
      ),
    );
    const none = await parseEmail(message({ From: 'a@example.com' }, 'hi'));
    expect(analyseEmail(pass).score).toBeLessThanOrEqual(analyseEmail(none).score);
  });
});
