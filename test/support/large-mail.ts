/**
 * A large, realistic message for size tests: multipart/mixed with a text and an HTML body and
 * binary attachments (PDF, ZIP, PNG headers on pseudo-random bytes), base64-encoded in 76-column
 * lines as a mail client writes them. Deterministic for a given size.
 */
import { createHash } from 'node:crypto';

const pseudoRandom = (length: number, seed: string): Buffer => {
  const out = Buffer.allocUnsafe(length);
  let block = createHash('sha256').update(seed).digest();
  for (let offset = 0; offset < length; offset += block.length) {
    block.copy(out, offset, 0, Math.min(block.length, length - offset));
    block = createHash('sha256').update(block).digest();
  }
  return out;
};

const base64Lines = (bytes: Buffer): string => bytes.toString('base64').replace(/.{76}/g, '$&\r\n');

const magic: Record<string, Buffer> = {
  pdf: Buffer.from('%PDF-1.7\n'),
  zip: Buffer.from([0x50, 0x4b, 0x03, 0x04]),
  png: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
};
const types: Record<string, string> = { pdf: 'application/pdf', zip: 'application/zip', png: 'image/png' };

/** A message of about `targetBytes` (within a few KB), with `attachments` binary attachments. */
export const largeMessage = (targetBytes: number, attachments = 5): Uint8Array => {
  const boundary = 'phishx-large-mail-boundary';
  const head = [
    'From: "Accounts Payable" <ap@supplier.example>',
    'To: finance@acme.example',
    'Subject: Invoices and statements for Q3',
    'Date: Tue, 05 Nov 2024 16:05:52 +0000',
    'Message-ID: <large-mail-test@supplier.example>',
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Please find the invoices attached. Pay via https://supplier.example/pay before Friday.',
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>Please find the invoices attached. <a href="https://supplier.example/pay">Pay here</a>.</p>',
  ].join('\r\n');
  // base64 grows bytes by 4/3, plus CRLF every 76 characters.
  const overhead = head.length + attachments * 200 + 64;
  const perAttachment = Math.floor(((targetBytes - overhead) / attachments) * (3 / 4) * (76 / 78));
  const kinds = ['pdf', 'zip', 'png'];
  const parts: string[] = [head];
  for (let index = 0; index < attachments; index += 1) {
    const kind = kinds[index % kinds.length] as string;
    const bytes = Buffer.concat([magic[kind] as Buffer, pseudoRandom(perAttachment, `${kind}-${index}`)]);
    parts.push(
      [
        `--${boundary}`,
        `Content-Type: ${types[kind]}; name="statement-${index}.${kind}"`,
        `Content-Disposition: attachment; filename="statement-${index}.${kind}"`,
        'Content-Transfer-Encoding: base64',
        '',
        base64Lines(bytes),
      ].join('\r\n'),
    );
  }
  parts.push(`--${boundary}--\r\n`);
  return new Uint8Array(Buffer.from(parts.join('\r\n'), 'latin1'));
};
