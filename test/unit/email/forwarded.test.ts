import { describe, expect, it } from 'vitest';
import { unwrapForward } from '#core/email/forwarded.ts';
import { parseEmail } from '#core/email/parse-email.ts';

const parse = (headers: string, body: string) =>
  parseEmail(
    new TextEncoder().encode(
      `${headers}\r\nDate: Tue, 05 Mar 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\n` +
        `Content-Type: text/plain; charset=utf-8\r\n\r\n${body.replace(/\n/g, '\r\n')}`,
    ),
  );

const reporter =
  'From: Sam Roe <sam@example.org>\r\nTo: security@example.org\r\n' +
  'Authentication-Results: mx.example.org; dmarc=pass header.from=example.org';

describe('unwrapForward', () => {
  it('reads an Outlook forward (Portuguese field names) as the original message', async () => {
    const email = await parse(
      `${reporter}\r\nSubject: ENC: Seu pacote`,
      '\n________________________________\nDe: Correios <entrega@parcel-desk.example.net>\n' +
        'Enviado: terça-feira, 3 de janeiro de 2023 12:58\nPara: Sam Roe <sam@example.org>\n' +
        'Assunto: Seu pacote está retido\n\nPague a taxa em https://pay.example.net/x\n',
    );
    const original = unwrapForward(email);
    expect(original?.from).toEqual({ name: 'Correios', address: 'entrega@parcel-desk.example.net' });
    expect(original?.subject).toBe('Seu pacote está retido');
    expect(original?.to).toEqual([{ name: 'Sam Roe', address: 'sam@example.org' }]);
    expect(original?.text).toBe('Pague a taxa em https://pay.example.net/x');
    // What the reporter's servers stated is about the reporter, not the original sender.
    expect(original?.headers).toEqual([]);
    expect(original?.returnPath).toBeNull();
  });

  it('reads a Gmail forward with a note above it, and Outlook [mailto:] addresses', async () => {
    const gmail = await parse(
      `${reporter}\r\nSubject: Fwd: Invoice`,
      'Is this real?\n\n---------- Forwarded message ---------\nFrom: Billing <billing@invoices.example.net>\n' +
        'Date: Mon, 4 Mar 2024 at 09:12\nSubject: Invoice 4411 overdue\nTo: <sam@example.org>\n\n> Pay today.\n',
    );
    expect(unwrapForward(gmail)).toMatchObject({
      from: { name: 'Billing', address: 'billing@invoices.example.net' },
      subject: 'Invoice 4411 overdue',
      text: 'Pay today.',
    });
    const outlook = await parse(
      `${reporter}\r\nSubject: FW: Payroll`,
      '-----Original Message-----\nFrom: HR Desk [mailto:hr@payroll.example.net]\nSent: Monday, March 4, 2024 9:12 AM\n' +
        'To: Sam Roe\nSubject: Payroll update\n\nConfirm your bank details.\n',
    );
    expect(unwrapForward(outlook)?.from).toEqual({ name: 'HR Desk', address: 'hr@payroll.example.net' });
  });

  it('leaves replies and messages without a forwarded header block alone', async () => {
    const reply = await parse(
      `${reporter}\r\nSubject: Re: Budget`,
      'Agreed.\n\n-----Original Message-----\nFrom: Alex Doe <alex@example.com>\nSubject: Budget\n\nNumbers attached.\n',
    );
    expect(unwrapForward(reply)).toBeNull();
    const noBlock = await parse(
      `${reporter}\r\nSubject: Fwd: photos`,
      'Here are the photos from Saturday.\n',
    );
    expect(unwrapForward(noBlock)).toBeNull();
    const fromOnly = await parse(
      `${reporter}\r\nSubject: Fw: note`,
      '________________________________\nFrom: Alex Doe <alex@example.com>\n\nNo subject line here.\n',
    );
    expect(unwrapForward(fromOnly)).toBeNull();
  });
});
