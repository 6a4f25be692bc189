import { describe, expect, it } from 'vitest';
import { analyseEmail, defaultThresholds, extract, modelVersion } from '#core/detection/engine.ts';
import { weightCap } from '#core/detection/learn.ts';
import { parseEmail } from '#core/email/parse-email.ts';
import { message } from '../../fixtures/mime.ts';

const phish = () =>
  parseEmail(
    message(
      {
        'Authentication-Results':
          'mx.example.net; spf=softfail smtp.mailfrom=bad.test; dkim=none; dmarc=fail header.from=micros0ft-support.top',
        From: '"Microsoft account team" <no-reply@micros0ft-support.top>',
        'Reply-To': 'recovery.desk@gmail.com',
        To: 'john.doe@corp.example',
        Subject: 'Unusual sign-in activity',
        'Content-Type': 'text/html; charset=utf-8',
      },
      '<p>We detected unusual sign-in activity. Verify your account within 24 hours or it will be suspended.</p>' +
        '<a href="http://185.23.44.1/login.php?u=john.doe@corp.example">https://account.microsoft.com/security</a>',
    ),
  );

const ham = () =>
  parseEmail(
    message(
      {
        From: 'Alice <alice@example.org>',
        To: 'bob@example.org',
        Subject: 'Lunch tomorrow?',
        'Content-Type': 'text/plain',
      },
      'Hi Bob,\n\nAre we still on for lunch tomorrow at noon? The usual place.\n\nAlice\n',
    ),
  );

describe('analyseEmail', () => {
  it('allows an ordinary personal message with no findings', async () => {
    const a = analyseEmail(await ham());
    expect(a.verdict).toBe('allow');
    expect(a.score).toBeLessThan(defaultThresholds.quarantine);
    expect(a.findings).toEqual([]);
  });

  it('blocks an obvious credential phish and explains why, strongest first', async () => {
    const a = analyseEmail(await phish());
    expect(a.verdict).toBe('block');
    expect(a.score).toBeGreaterThanOrEqual(defaultThresholds.block);
    const ids = a.findings.map((f) => f.id);
    for (const id of [
      'sender.dmarc-fail',
      'sender.reply-to-freemail',
      'sender.display-name-brand',
      'url.ip-host',
      'url.text-href-mismatch',
      'language.credential-request',
      'language.urgency',
    ]) {
      expect(ids).toContain(id);
    }
    const weights = a.findings.map((f) => Math.abs(f.weight));
    expect(weights).toEqual([...weights].sort((x, y) => y - x));
    for (const f of a.findings) {
      expect(f.evidence).not.toMatch(/john\.doe@|recovery\.desk@/);
      expect(f.family).toBe(f.id.split('.')[0]);
    }
  });

  it('is deterministic and reports the model version', async () => {
    const email = await phish();
    expect(analyseEmail(email)).toEqual(analyseEmail(email));
    expect(analyseEmail(email).modelVersion).toBe(modelVersion);
    expect(modelVersion).toMatch(/^engine-\d+\.\d+\.\d+\+model-[0-9a-f]{12}$/);
  });

  it('applies tenant thresholds', async () => {
    const a = analyseEmail(await ham(), { thresholds: { quarantine: 0, block: 100 } });
    expect(a.verdict).toBe('quarantine');
    expect(analyseEmail(await ham(), { thresholds: { quarantine: 0, block: 0 } }).verdict).toBe('block');
  });

  it('flags lookalikes of the tenant own domains from the context', async () => {
    const email = await parseEmail(
      message(
        {
          From: '"IT Helpdesk" <helpdesk@acrne-corp.com>',
          To: 'sam@acme-corp.com',
          Subject: 'Mailbox quota',
        },
        'Hello Sam',
      ),
    );
    const ids = (ctx?: { tenantDomains: string[] }) => analyseEmail(email, ctx).findings.map((f) => f.id);
    expect(ids({ tenantDomains: ['acme-corp.com'] })).toContain('domain.sender-lookalike');
    expect(ids()).not.toContain('domain.sender-lookalike');
  });

  it('scores an inline forward as the message it forwards, and keeps the worse of the two', async () => {
    const forward = (outerFrom: string, original: string) =>
      parseEmail(
        message(
          {
            'Authentication-Results':
              'mx.example.org; spf=pass; dkim=pass; dmarc=pass header.from=example.org',
            From: outerFrom,
            To: 'security@example.org',
            Subject: 'Fw: Unusual sign-in activity',
            'Content-Type': 'text/plain; charset=utf-8',
          },
          `Is this real?\n\n________________________________\n${original}`,
        ),
      );
    const lure =
      'From: Microsoft account team <no-reply@micros0ft-support.top>\nSent: Monday, 4 March 2024 09:12\n' +
      'To: Sam Roe <sam@example.org>\nSubject: Unusual sign-in activity\n\n' +
      'We detected unusual sign-in activity. Verify your account within 24 hours or it will be suspended.\n';
    const reported = analyseEmail(await forward('Sam Roe <sam@example.org>', lure));
    expect(reported.verdict).not.toBe('allow');
    expect(reported.findings.map((f) => f.id)).toContain('sender.display-name-brand');
    expect(reported.findings.every((f) => f.evidence.startsWith('forwarded message: '))).toBe(true);
    // The reporter's passing DMARC vouches for the reporter, not for the forwarded sender.
    expect(reported.findings.map((f) => f.id)).not.toContain('sender.dmarc-pass-aligned');

    // A forged forward cannot launder its own sender: the outer message still counts.
    const harmless =
      'From: Alex Doe <alex@example.com>\nSent: Monday, 4 March 2024 09:12\nTo: Sam Roe <sam@example.org>\n' +
      'Subject: Lunch\n\nSee you at noon.\n';
    const forged = analyseEmail(
      await forward('"Microsoft account team" <no-reply@micros0ft-support.top>', harmless),
    );
    expect(forged.findings.map((f) => f.id)).toContain('sender.display-name-brand');
    expect(forged.findings.some((f) => f.evidence.startsWith('forwarded message: '))).toBe(false);
  });

  it('weighs the learned vocabulary as one medium signal at most', async () => {
    // every line a lure word the model learned, and no rule to fire: an ordinary order confirmation
    const words = await parseEmail(
      message(
        {
          From: '"Example Shop" <orders@shop.example.com>',
          To: 'sam@example.org',
          Subject: 'Urgent action: your package, payment and account details - claim your reward',
          'Content-Type': 'text/plain',
        },
        'Dear Sam, kindly confirm. Your payment is pending and your funds are on hold. Verify your account. ' +
          'Your reward is waiting; view the notice. Congratulations.\n',
      ),
    );
    const a = analyseEmail(words);
    const vocabulary = a.findings.find((f) => f.id === 'model.lure-vocabulary');
    expect(vocabulary?.evidence).toContain('learned vocabulary');
    expect(vocabulary?.weight).toBe(weightCap.medium);
  });

  // The vocabulary features of a message, those with the given prefix.
  const vocabulary = async (subject: string, body: string, prefix: string) =>
    [...extract(await parseEmail(message({ From: 'a@example.org', Subject: subject }, body))).lexical]
      .filter((f) => f.startsWith(prefix))
      .sort();

  it('does not read a subject phrase a language rule weighs a second time as vocabulary', async () => {
    expect(await vocabulary('Action required: permission slip', 'Hello.\n', 'subj:')).toEqual([]);
    expect(await vocabulary('Take action: permission slip', 'Hello.\n', 'subj:')).toEqual(['subj:action']);
  });

  it('does not read a body phrase a language rule weighs a second time, but still reads the word elsewhere', async () => {
    expect(
      await vocabulary(
        'Your mailbox',
        'If you do not confirm within 24 hours, your mailbox will be closed.\n',
        'body:confirm',
      ),
    ).toEqual([]);
    expect(
      await vocabulary(
        'Your mailbox',
        'Please confirm the title. If you do not confirm within 24 hours, your mailbox will be closed.\n',
        'body:confirm',
      ),
    ).toEqual(['body:confirm']);
  });

  it('never throws, even on an empty message', async () => {
    const a = analyseEmail(await parseEmail(new Uint8Array()));
    expect(a.verdict).toBe('allow');
  });
});
