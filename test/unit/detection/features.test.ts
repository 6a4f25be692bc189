/** What the message view reads: the receiver's authentication verdict, and what a text asks. */
import { buildView, dropDisclaimers, receiverAuthResults } from '#core/detection/features.ts';
import { parseEmail } from '#core/email/parse-email.ts';
import { describe, expect, it } from 'vitest';
import { message } from '../../fixtures/mime.ts';

const h = (name: string, value: string) => ({ name, value });

describe('receiverAuthResults', () => {
  it('reads every header the receiving server wrote, one per method', () => {
    // Fastmail writes spf, dkim, dmarc and bimi results as separate headers
    const headers = [
      h('received', 'from mx1 by compute5'),
      h('authentication-results', 'mx1.messagingengine.com; x-csa=none'),
      h('authentication-results', 'mx1.messagingengine.com; bimi=pass header.d=amazon.com'),
      h('x-me-vscore', '20'),
      h(
        'authentication-results',
        'mx1.messagingengine.com; dkim=pass header.d=amazon.com; dmarc=pass header.from=amazon.com',
      ),
      h('received', 'from a13-167.smtp-out.amazonses.com'),
    ];
    const ar = receiverAuthResults(headers);
    expect(ar).toContain('dmarc=pass');
    expect(ar).toContain('x-csa=none');
  });

  it('stops at another server or at the next hop: lower headers may be the sender’s own', () => {
    const forged = 'mx.example.org; spf=pass; dkim=pass header.d=bank.example; dmarc=pass';
    expect(
      receiverAuthResults([
        h('authentication-results', 'mx.example.org; spf=fail smtp.mailfrom=x.example'),
        h('received', 'from attacker.example'),
        h('authentication-results', forged),
      ]),
    ).not.toContain('dmarc=pass');
    expect(
      receiverAuthResults([
        h('authentication-results', 'mx.example.org; spf=fail smtp.mailfrom=x.example'),
        h('authentication-results', 'other.example; dmarc=pass'),
      ]),
    ).not.toContain('dmarc=pass');
  });

  it('gives the view the merged verdict', async () => {
    const raw = message(
      {
        'Authentication-Results': 'mx1.messagingengine.com; x-csa=none',
        'X-Spam-Score': '1.5',
        From: 'Amazon <account-update@amazon.com>',
        Subject: 'Verify your new Amazon account',
      },
      'Your one-time password is 159200.\r\n',
    );
    const withDmarc = new TextDecoder()
      .decode(raw)
      .replace(
        'X-Spam-Score: 1.5',
        'Authentication-Results: mx1.messagingengine.com; dkim=pass header.d=amazon.com; dmarc=pass header.from=amazon.com',
      );
    const view = buildView(await parseEmail(new TextEncoder().encode(withDmarc)));
    expect(view.auth.dmarc).toBe('pass');
    expect(view.auth.dkimPassDomains).toContain('amazon.com');
  });
});

describe('the stated DMARC policy', () => {
  it.each([
    ['mx.example.org; dmarc=fail (p=NONE sp=NONE dis=NONE) header.from=example.com', 'none'],
    ['spf=fail smtp.mailfrom=example.com; dmarc=fail action=none header.from=example.com', 'none'],
    ['spf=fail smtp.mailfrom=example.com; dmarc=fail action=oreject header.from=example.com', 'enforced'],
    [
      'mx.example.org; dmarc=pass policy.published-domain-policy=quarantine header.from=example.com',
      'enforced',
    ],
    ['mx.example.org; dmarc=fail header.from=example.com; spf=pass p=none', null],
  ])('%s → %s', async (results, policy) => {
    const view = buildView(
      await parseEmail(message({ 'Authentication-Results': results, From: 'a@example.com' }, 'Hello\r\n')),
    );
    expect(view.auth.dmarcPolicy).toBe(policy);
  });
});

describe('dropDisclaimers', () => {
  it('drops the sentence that says what the sender never asks for, and keeps the rest', () => {
    const text =
      'your code is 159200. amazon will never ask you to verify your password or card. ' +
      'if you receive a suspicious email with a link to update your account information, do not click on the link. thank you!';
    const kept = dropDisclaimers(text);
    expect(kept).toContain('your code is 159200.');
    expect(kept).toContain('thank you!');
    expect(kept).not.toContain('verify your password');
    expect(kept).not.toContain('update your account');
  });

  it('drops a confidentiality notice in English and Spanish', () => {
    expect(
      dropDisclaimers(
        'see you thursday. if you are not the intended recipient, notify the sender immediately and delete it.',
      ),
    ).not.toContain('immediately');
    expect(
      dropDisclaimers(
        'cargo registrado. si usted no es su destinatario, favor de notificar al remitente de inmediato. gracias',
      ),
    ).not.toContain('de inmediato');
  });

  it('keeps an ask that only sits near a disclaimer', () => {
    const text = 'we will never ask for your password by email. verify your account now to avoid suspension.';
    expect(dropDisclaimers(text)).toContain('verify your account now');
    expect(dropDisclaimers('verify your account now.')).toBe('verify your account now.');
  });
});
