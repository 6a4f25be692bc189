/** SES's receipt verdicts outrank what a message's own headers claim. */
import { describe, expect, it } from 'vitest';
import type { ReceiptVerdicts } from '#core/detection/analysis.ts';
import { analyseEmail } from '#core/detection/engine.ts';
import { parseEmail } from '#core/email/parse-email.ts';

const forged = new TextEncoder().encode(
  [
    'Authentication-Results: amazonses.com; spf=pass; dkim=pass header.i=@bank.example; dmarc=pass header.from=bank.example',
    'X-SES-Spam-Verdict: PASS',
    'X-SES-Virus-Verdict: PASS',
    'From: Bank <alerts@bank.example>',
    'To: ana@acme.example',
    'Subject: Statement available',
    '',
    'Your monthly statement is available in online banking.',
    '',
  ].join('\r\n'),
);

const receipt = (overrides: Partial<ReceiptVerdicts>): ReceiptVerdicts => ({
  spam: 'PASS',
  virus: 'PASS',
  spf: 'PASS',
  dkim: 'PASS',
  dmarc: 'PASS',
  ...overrides,
});

const ids = async (context: Parameters<typeof analyseEmail>[1]) =>
  analyseEmail(await parseEmail(forged), context).findings.map((finding) => finding.id);

describe('receipt verdicts', () => {
  it('turn forged passing headers into the failures SES actually saw', async () => {
    const withoutReceipt = await ids({});
    expect(withoutReceipt).not.toContain('sender.dmarc-fail');
    const found = await ids({ receipt: receipt({ dmarc: 'FAIL', spf: 'FAIL', virus: 'FAIL' }) });
    expect(found).toEqual(
      expect.arrayContaining(['sender.dmarc-fail', 'sender.spf-fail', 'sender.ses-verdict-fail']),
    );
    expect(found).not.toContain('sender.dmarc-pass-aligned');
  });

  it('score higher when SES failed the message than when it passed it', async () => {
    const email = await parseEmail(forged);
    const passed = analyseEmail(email, { receipt: receipt({}) }).score;
    const failed = analyseEmail(email, { receipt: receipt({ dmarc: 'FAIL', virus: 'FAIL' }) }).score;
    expect(failed).toBeGreaterThan(passed);
  });

  it('leave undecided checks undecided', async () => {
    const found = await ids({ receipt: receipt({ dmarc: 'PROCESSING_FAILED', spf: 'GRAY' }) });
    expect(found).not.toContain('sender.dmarc-fail');
    expect(found).not.toContain('sender.spf-fail');
  });
});
