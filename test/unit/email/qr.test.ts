import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { parseEmail } from '#core/email/parse-email.ts';
import { qrLimits, readQrCode } from '#core/email/qr.ts';
import { base64Lines, message, multipart } from '../../fixtures/mime.ts';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(join(import.meta.dirname, '../../fixtures/rules', name)));
const link = 'https://m365-login.example.net/verify?u=sam';

/** An attached image part. */
const image = (name: string, type: string, bytes: Uint8Array) => ({
  headers: {
    'Content-Type': `${type}; name="${name}"`,
    'Content-Disposition': `attachment; filename="${name}"`,
    'Content-Transfer-Encoding': 'base64',
  },
  body: base64Lines(bytes),
});

/** A short message with its text and the given images attached. */
const withImages = (text: string, images: ReturnType<typeof image>[]) =>
  parseEmail(
    message(
      {
        From: 'IT Desk <it@desk.example.net>',
        To: 'sam@example.org',
        Subject: 'Mailbox',
        'Content-Type': 'multipart/mixed; boundary="b"',
      },
      multipart('b', [{ headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: text }, ...images]),
    ),
  );

const withImage = (text: string, bytes: Uint8Array) =>
  withImages(text, [image('code.png', 'image/png', bytes)]);

describe('readQrCode', () => {
  it('reads the link of a QR code in a PNG and in a JPEG', () => {
    const png = fixture('qr-link.png');
    expect(readQrCode(png, 'image/png')).toBe(link);
    const raster = PNG.sync.read(Buffer.from(png));
    const jpg = jpeg.encode({ data: raster.data, width: raster.width, height: raster.height }, 85).data;
    expect(readQrCode(new Uint8Array(jpg), 'image/jpeg')).toBe(link);
  });

  it('finds a code in a large picture by searching a scaled-down copy', async () => {
    const big = await QRCode.toBuffer(link, { type: 'png', width: 1600, margin: 4 });
    expect(readQrCode(new Uint8Array(big), 'image/png')).toBe(link);
  });

  it('answers null for pictures without a code, broken bytes and images over the bounds', () => {
    const plain = new PNG({ width: 64, height: 64 });
    plain.data.fill(200);
    expect(readQrCode(new Uint8Array(PNG.sync.write(plain)), 'image/png')).toBeNull();
    expect(readQrCode(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]), 'image/png')).toBeNull();
    expect(readQrCode(new Uint8Array([0xff, 0xd8, 0xff, 0, 0]), 'image/jpeg')).toBeNull();
    expect(readQrCode(fixture('qr-link.png'), 'image/gif')).toBeNull();
    // An IHDR claiming 10,000 × 10,000 pixels is refused before any decoding.
    const huge = fixture('qr-link.png').slice();
    new DataView(huge.buffer).setUint32(16, 10_000);
    new DataView(huge.buffer).setUint32(20, 10_000);
    expect(readQrCode(huge, 'image/png')).toBeNull();
    expect(readQrCode(new Uint8Array(qrLimits.bytes + 1), 'image/png')).toBeNull();
  });
});

describe('parseEmail and QR codes', () => {
  it('reads the code of a message that says little else, and keeps the link as the image text', async () => {
    const email = await withImage('Scan to keep your mailbox.', fixture('qr-link.png'));
    const image = email.attachments[0];
    expect(image?.traits).toContain('qr-code');
    expect(image?.text).toContain(link);
  });

  it('spends its budget on PNG and JPEG images only: GIF logos before the code do not use it up', async () => {
    const gif = new TextEncoder().encode(`GIF89a${'\u0000'.repeat(40)}`);
    const email = await withImages('Scan to keep your mailbox.', [
      image('logo1.gif', 'image/gif', gif),
      image('logo2.gif', 'image/gif', gif),
      image('logo3.gif', 'image/gif', gif),
      image('code.png', 'image/png', fixture('qr-link.png')),
    ]);
    expect(email.attachments.at(-1)?.traits).toContain('qr-code');
  });

  it('leaves the images of a long message that never mentions a code unread', async () => {
    const letter = 'We met on Thursday to plan the spring fair; the notes follow. '.repeat(10);
    const email = await withImage(letter, fixture('qr-link.png'));
    expect(email.attachments[0]?.traits ?? []).not.toContain('qr-code');
  });
});
