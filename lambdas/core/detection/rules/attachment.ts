/** Attachment family: reads the traits computed at parse time (the bytes are not kept). */
import type { Attachment } from '#core/email/parsed-email.ts';
import { maskText } from '../mask.ts';
import { defineRule, type Rule, type RuleHit } from './rule.ts';

const has = (a: Attachment, prefix: string) =>
  (a.traits ?? []).some((t) => t === prefix || t.startsWith(`${prefix}:`));
const traitValue = (a: Attachment, prefix: string) =>
  (a.traits ?? []).find((t) => t.startsWith(`${prefix}:`))?.slice(prefix.length + 1);
const name = (a: Attachment) => maskText(a.filename ?? '(unnamed)', 60);

function firstHit(list: readonly Attachment[], test: (a: Attachment) => string | null): RuleHit | null {
  for (const a of list) {
    const evidence = test(a);
    if (evidence) return { evidence };
  }
  return null;
}

const HTMLISH = new Set(['text/html', 'image/svg+xml', 'application/xhtml+xml']);

export const attachmentRules: readonly Rule[] = [
  defineRule({
    id: 'attachment.executable',
    family: 'attachment',
    severity: 'critical',
    description:
      'An attachment (or archive entry) is an executable, script, shortcut, disk image or OneNote file.',
    weight: 3.0,
    evaluate: (v) =>
      firstHit(v.email.attachments, (a) => {
        if (has(a, 'executable') || has(a, 'shortcut') || has(a, 'onenote') || has(a, 'disk-image'))
          return `${name(a)} is ${a.sniffedType}`;
        const ext = traitValue(a, 'dangerous-ext') ?? traitValue(a, 'entry-dangerous-ext');
        if (ext && !['htm', 'html', 'shtml', 'xhtml', 'svg', 'mht', 'xht'].includes(ext))
          return `${name(a)}: .${ext}${has(a, 'entry-dangerous-ext') ? ' inside an archive' : ''}`;
        return null;
      }),
  }),
  defineRule({
    id: 'attachment.html',
    family: 'attachment',
    severity: 'high',
    description: 'An HTML or SVG file is attached (local phishing pages and smuggling loaders).',
    weight: 1.8,
    evaluate: (v) =>
      firstHit(v.email.attachments, (a) => {
        if (a.disposition === 'inline' && !a.filename) return null;
        const htmlish =
          HTMLISH.has(a.sniffedType ?? '') ||
          HTMLISH.has(a.declaredType) ||
          /\.(s?html?|svg|xhtml|mht)$/i.test(a.filename ?? '');
        if (!htmlish) return null;
        if (
          a.declaredType === 'image/svg+xml' &&
          !has(a, 'script') &&
          !has(a, 'redirect') &&
          a.disposition === 'inline'
        )
          return null;
        return `${name(a)} (${a.sniffedType ?? a.declaredType})`;
      }),
  }),
  defineRule({
    id: 'attachment.smuggling',
    family: 'attachment',
    severity: 'critical',
    description: 'An attached page builds a file or redirects in script (HTML smuggling, credential form).',
    weight: 2.0,
    evaluate: (v) =>
      firstHit(v.email.attachments, (a) => {
        const signs = ['smuggling-api', 'large-base64', 'redirect', 'password-field', 'form'].filter((t) =>
          has(a, t),
        );
        return signs.length && (has(a, 'script') || has(a, 'form'))
          ? `${name(a)}: ${signs.join(', ')}`
          : null;
      }),
  }),
  defineRule({
    id: 'attachment.macro',
    family: 'attachment',
    severity: 'high',
    description: 'An Office document carries macros (VBA project) or has a macro-enabled extension.',
    weight: 2.2,
    evaluate: (v) =>
      firstHit(v.email.attachments, (a) =>
        has(a, 'macro') || has(a, 'macro-ext') || has(a, 'entry-macro-ext') ? `${name(a)} has macros` : null,
      ),
  }),
  defineRule({
    id: 'attachment.double-extension',
    family: 'attachment',
    severity: 'high',
    description: 'A file name hides its real type behind a document extension (invoice.pdf.exe).',
    weight: 2.0,
    evaluate: (v) =>
      firstHit(v.email.attachments, (a) =>
        has(a, 'double-ext') || has(a, 'entry-double-ext') || has(a, 'name-obfuscated')
          ? `${name(a)}: ${traitValue(a, 'double-ext') ?? traitValue(a, 'entry-double-ext') ?? 'obfuscated name'}`
          : null,
      ),
  }),
  defineRule({
    id: 'attachment.type-mismatch',
    family: 'attachment',
    severity: 'medium',
    description: "The attachment's bytes are not the type its name or header claims.",
    weight: 1.2,
    evaluate: (v) =>
      firstHit(v.email.attachments, (a) =>
        has(a, 'type-mismatch') ? `${name(a)} is really ${a.sniffedType}` : null,
      ),
  }),
  defineRule({
    id: 'attachment.encrypted-archive',
    family: 'attachment',
    severity: 'high',
    description: 'A password-protected archive or document (content scanners cannot look inside).',
    weight: 1.6,
    evaluate: (v) =>
      firstHit(v.email.attachments, (a) =>
        has(a, 'archive-encrypted') || has(a, 'office-encrypted') || has(a, 'pdf-encrypted')
          ? `${name(a)} is encrypted`
          : null,
      ),
  }),
  defineRule({
    id: 'attachment.qr-code',
    family: 'attachment',
    severity: 'medium',
    description:
      'An attached image is a QR code that carries a link (quishing: the link sits where text checks do not look, and opens on a phone).',
    weight: 1.2,
    evaluate: (v) =>
      firstHit(v.email.attachments, (a) => {
        const link = has(a, 'qr-code') ? /(?:https?:\/\/|www\.)\S+/i.exec(a.text ?? '')?.[0] : undefined;
        return link ? `${name(a)} is a QR code for ${maskText(link, 80)}` : null;
      }),
  }),
  defineRule({
    id: 'attachment.pdf-lure',
    family: 'attachment',
    severity: 'medium',
    description: 'A short PDF whose purpose is a link or an action (one-page lure, JavaScript, launch).',
    weight: 1.0,
    evaluate: (v) =>
      firstHit(v.email.attachments, (a) => {
        if (a.sniffedType !== 'application/pdf') return null;
        if (has(a, 'pdf-javascript') || has(a, 'pdf-launch')) return `${name(a)} runs actions`;
        const pages = Number(traitValue(a, 'pdf-pages') ?? '0');
        const links = Number(traitValue(a, 'pdf-links') ?? '0');
        return links >= 1 && pages <= 2 ? `${name(a)}: ${pages} page(s), ${links} link(s)` : null;
      }),
  }),
];
