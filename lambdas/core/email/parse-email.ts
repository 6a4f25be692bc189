/**
 * Raw RFC 822 bytes → a bounded, normalised `ParsedEmail`. Never throws: a message that
 * postal-mime cannot read is degraded to what a line-based reader can get, and every problem is
 * recorded in `defects`. Everything the engine needs from attachment bytes is computed here
 * into `traits`, because the bytes are not kept after ingest.
 */
import { createHash } from 'node:crypto';
import PostalMime, { type Address, addressParser, decodeWords, type Email } from 'postal-mime';
import { htmlToText } from './html-to-text.ts';
import type { Attachment, EmailAddress, HeaderField, ParsedEmail } from './parsed-email.ts';
import { inspectBytes, isTextual, latin1 } from './sniff.ts';

/** Size caps: the serialised result must fit a DynamoDB item after compression and encryption. */
export const parseLimits = {
  bodyChars: 256 * 1024,
  attachmentTextChars: 64 * 1024,
  attachments: 50,
  headers: 300,
  headerValueChars: 8 * 1024,
  headerTotalChars: 96 * 1024,
  addressesPerField: 100,
  addressChars: 320,
  /** Budget for the whole serialised result (UTF-16 code units of its JSON), enforced last. */
  totalChars: 200 * 1024,
} as const;

const utf8 = new TextDecoder('utf-8', { fatal: false });

function safeDecodeWords(value: string): string {
  try {
    return decodeWords(value);
  } catch {
    return value;
  }
}

function clip(value: string, max: number): [string, boolean] {
  return value.length > max ? [value.slice(0, max), true] : [value, false];
}

function toAddress(a: { name?: string; address?: string }): EmailAddress {
  return {
    name: (a.name ?? '').slice(0, parseLimits.addressChars),
    address: (a.address ?? '').trim().slice(0, parseLimits.addressChars),
  };
}

function flatten(list: readonly Address[] | undefined): EmailAddress[] {
  const out: EmailAddress[] = [];
  for (const item of list ?? []) {
    if (out.length >= parseLimits.addressesPerField) break;
    if (item.group) {
      for (const member of item.group) {
        if (out.length >= parseLimits.addressesPerField) break;
        out.push(toAddress(member));
      }
    } else {
      out.push(toAddress(item));
    }
  }
  return out;
}

function first(address: Address | undefined): EmailAddress | null {
  if (!address) return null;
  if (address.group) return address.group[0] ? toAddress(address.group[0]) : null;
  return toAddress(address);
}

/**
 * Inline images (`src="data:image/png;base64,…"`) can run to megabytes: cut before the size cap,
 * they would push the message's text and links out of the bounded HTML (and leave an unclosed
 * tag that turns the rest into base64 "text"). The payload is replaced by a marker; the tag and
 * its attributes stay. A payload corrupted by stray characters (an address rewritten into it) is
 * dropped up to the end of the attribute all the same. Other data: types (documents, scripts)
 * are kept for the smuggling checks.
 */
const INLINE_IMAGE = /(data:image\/[a-z0-9.+-]{1,40};base64,)[A-Za-z0-9+/=\s]{256,}[^"'\s<>)]*/gi;

export function dropInlineImagePayloads(html: string): string {
  if (!/data:image\//i.test(html)) return html;
  INLINE_IMAGE.lastIndex = 0;
  return html.replace(INLINE_IMAGE, '$1(image)');
}

const QUOTED_THEN_ADDRESS = /^\s*"([^"]{1,200})"\s*,\s*<\s*([^<>\s@]+@[^<>\s@]+)\s*>\s*$/;

/**
 * The From address when the header is malformed in a way postal-mime splits: an unquoted comma
 * in the display name ("Account team ,_<no-reply@x.com>", "Prize, jehd <service@x.de>") leaves
 * the first entry without an address, and a quoted string before the real address
 * ("Transport@GLS.de", <x@y.de>) reads as a first address of its own. Returns the name clients
 * show with the real address, or null. The defect is still recorded: only the sender is recovered,
 * so that sender checks still see who sent it.
 */
function recoverFrom(header: string | undefined, from: EmailAddress | null): EmailAddress | null {
  if (!header) return null;
  // A quoted string posing as an address before the real one ("Transport@GLS.de", <x@y.de>):
  // clients show the quoted text as the sender, so it is the display name.
  const posing = QUOTED_THEN_ADDRESS.exec(header);
  if (posing?.[1] && posing[2]) return { name: posing[1], address: posing[2] };
  if (from?.address?.includes('@')) return null;
  let list: EmailAddress[] = [];
  try {
    list = flatten(addressParser(header));
  } catch {
    /* the regex below */
  }
  const withAddress = list.find((a) => a.address.includes('@'));
  const address =
    withAddress?.address ??
    /<\s*([^<>\s@]+@[^<>\s@]+)\s*>/.exec(header)?.[1] ??
    /([^<>\s@"',]+@[^<>\s@"',]+)/.exec(header)?.[1];
  if (!address) return null;
  const name = (from?.name || withAddress?.name || '').slice(0, parseLimits.addressChars);
  return { name, address: address.slice(0, parseLimits.addressChars) };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function bytesOf(content: ArrayBuffer | Uint8Array | string): Uint8Array {
  if (typeof content === 'string') return new TextEncoder().encode(content);
  return content instanceof Uint8Array ? content : new Uint8Array(content);
}

interface Bounded {
  truncated: boolean;
  defects: string[];
}

function boundHeaders(raw: readonly { key: string; value: string }[], state: Bounded): HeaderField[] {
  const headers: HeaderField[] = [];
  let total = 0;
  for (const h of raw) {
    if (headers.length >= parseLimits.headers || total >= parseLimits.headerTotalChars) {
      state.truncated = true;
      state.defects.push('headers-capped');
      break;
    }
    const [value, cut] = clip(
      safeDecodeWords(h.value.replace(/\r?\n[ \t]*/g, ' ')),
      parseLimits.headerValueChars,
    );
    if (cut) state.truncated = true;
    total += value.length + h.key.length;
    headers.push({ name: h.key.toLowerCase().trim(), value });
  }
  return headers;
}

/** Images read for a QR code per message: a quishing lure shows one code, often beside a logo or two. */
const QR_IMAGES = 3;

/**
 * Whether a message may hide its link in a QR code: it talks about one, or it says almost nothing
 * in text. Reading a code costs milliseconds per image, so other mail keeps its images unread.
 */
function mayHideLinkInQr(subject: string, text: string, html: string): boolean {
  const visible = text.trim().length >= 300 ? text : `${text} ${htmlToText(html.slice(0, 200_000))}`;
  const sample = `${subject} ${visible.slice(0, 20_000)}`;
  return (
    /\b(qr|scan|scanne[nrz]?|escane[ea]\w*|escanee|escaneie)\b/i.test(sample) ||
    sample.replace(/\s+/g, ' ').trim().length < 300
  );
}

/**
 * PNG or JPEG by their magic bytes, whatever the part declares: the QR reader decodes only these,
 * so a GIF logo or a WebP banner must not use up the budget before the picture that holds the code.
 */
const isPngOrJpeg = (bytes: Uint8Array): boolean =>
  (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) ||
  (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff);

function buildAttachments(email: Email, state: Bounded, qrImages: number): Attachment[] {
  const out: Attachment[] = [];
  let qrLeft = qrImages;
  for (const att of email.attachments) {
    if (out.length >= parseLimits.attachments) {
      state.truncated = true;
      state.defects.push('attachments-capped');
      break;
    }
    try {
      const bytes = bytesOf(att.content);
      const declaredType =
        (att.mimeType || 'application/octet-stream').toLowerCase().split(';')[0]?.trim() ?? '';
      const filename = att.filename ? att.filename.slice(0, 255) : null;
      const readQr = qrLeft > 0 && isPngOrJpeg(bytes);
      if (readQr) qrLeft--;
      const facts = inspectBytes(bytes, filename, declaredType, { readQr });
      const traits = [...facts.traits];
      if (att.rfc822DepthExceeded) traits.push('rfc822-depth-exceeded');
      if (declaredType === 'message/rfc822') traits.push('rfc822');
      let text: string | undefined;
      const textual =
        isTextual(declaredType, filename) ||
        facts.sniffedType === 'text/html' ||
        facts.sniffedType === 'image/svg+xml' ||
        declaredType === 'message/rfc822';
      if (textual) {
        const [t, cut] = clip(
          utf8.decode(bytes.subarray(0, parseLimits.attachmentTextChars * 4)),
          parseLimits.attachmentTextChars,
        );
        text = t;
        if (cut) state.truncated = true;
      } else if (facts.extraText) {
        const [t, cut] = clip(facts.extraText, parseLimits.attachmentTextChars);
        text = t;
        if (cut) state.truncated = true;
      }
      const disposition: Attachment['disposition'] =
        att.disposition === 'attachment' ? 'attachment' : att.disposition === 'inline' ? 'inline' : null;
      out.push({
        filename,
        declaredType,
        sniffedType: facts.sniffedType,
        size: bytes.byteLength,
        sha256: sha256(bytes),
        disposition,
        ...(text !== undefined ? { text } : {}),
        ...(traits.length ? { traits: traits.slice(0, 64) } : {}),
      });
    } catch {
      state.defects.push('attachment-unreadable');
    }
  }
  return out;
}

/** A line-based reader for messages postal-mime rejects: headers, then the rest as text. */
function fallbackParse(raw: Uint8Array, state: Bounded): ParsedEmail {
  const source = utf8.decode(raw.subarray(0, 4 * 1024 * 1024));
  const split = /\r?\n\r?\n/.exec(source);
  const headText = split ? source.slice(0, split.index) : source;
  const body = split ? source.slice(split.index + split[0].length) : '';
  const rawHeaders: { key: string; value: string }[] = [];
  for (const line of headText.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && rawHeaders.length) {
      const last = rawHeaders[rawHeaders.length - 1];
      if (last) last.value += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) rawHeaders.push({ key: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  const headers = boundHeaders(rawHeaders, state);
  const get = (n: string) => headers.find((h) => h.name === n)?.value ?? null;
  const addr = (n: string): EmailAddress[] => {
    const v = get(n);
    if (!v) return [];
    try {
      return flatten(addressParser(v));
    } catch {
      return [];
    }
  };
  const [text, cut] = clip(body, parseLimits.bodyChars);
  if (cut) state.truncated = true;
  return {
    messageId: get('message-id'),
    date: get('date'),
    subject: get('subject') ?? '',
    from: addr('from')[0] ?? null,
    sender: addr('sender')[0] ?? null,
    replyTo: addr('reply-to'),
    returnPath: get('return-path')?.replace(/[<>]/g, '').trim() || null,
    to: addr('to'),
    cc: addr('cc'),
    bcc: addr('bcc'),
    headers,
    text,
    html: /<html|<body|<a\s/i.test(body) ? clip(body, parseLimits.bodyChars)[0] : '',
    attachments: [],
    size: raw.byteLength,
    truncated: state.truncated,
    defects: [...new Set(state.defects)],
  };
}

/** Header block limits applied before MIME parsing, so a hostile header section stays cheap. */
const RAW_HEADER_BYTES = 64 * 1024;
const RAW_HEADER_LINES = 1000;
/** Messages larger than this are cut before parsing (SES accepts up to 40 MB). */
const RAW_MESSAGE_BYTES = 12 * 1024 * 1024;

/** Cuts an oversized top-level header block (and an oversized message) before postal-mime sees it. */
function boundRaw(raw: Uint8Array, state: Bounded): Uint8Array {
  let bytes = raw;
  if (bytes.length > RAW_MESSAGE_BYTES) {
    bytes = bytes.subarray(0, RAW_MESSAGE_BYTES);
    state.truncated = true;
    state.defects.push('message-truncated');
  }
  const scan = Math.min(bytes.length, RAW_HEADER_BYTES * 4);
  let lines = 0;
  let cut = -1;
  for (let i = 0; i < scan; i++) {
    if (bytes[i] !== 0x0a) continue;
    const next = bytes[i + 1];
    if (next === 0x0a || (next === 0x0d && bytes[i + 2] === 0x0a)) return bytes; // end of headers
    if (next !== 0x20 && next !== 0x09) lines++;
    if (lines >= RAW_HEADER_LINES || i >= RAW_HEADER_BYTES) {
      cut = i + 1;
      break;
    }
  }
  if (cut < 0) {
    if (scan < bytes.length) cut = scan;
    else return bytes;
  }
  // Keep the first header lines, drop the rest of the header block, keep the body.
  let bodyStart = -1;
  for (let i = cut; i < bytes.length - 1; i++) {
    if (bytes[i] === 0x0a && (bytes[i + 1] === 0x0a || (bytes[i + 1] === 0x0d && bytes[i + 2] === 0x0a))) {
      bodyStart = i + 1;
      break;
    }
  }
  state.truncated = true;
  state.defects.push('headers-capped');
  const head = bytes.subarray(0, cut);
  const body = bodyStart >= 0 ? bytes.subarray(bodyStart) : new Uint8Array([0x0d, 0x0a]);
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

/**
 * Fast path for single-part text messages (most mail): postal-mime reads the header block only,
 * and the body is decoded here. postal-mime assembles bodies line by line through a Blob, which
 * costs tens of milliseconds on long 8-bit bodies; this keeps p99 parse time low. Returns null
 * (use postal-mime) for anything multipart, nested or non-text.
 */
async function singlePart(raw: Uint8Array): Promise<Email | null> {
  let end = -1;
  let bodyStart = -1;
  const limit = Math.min(raw.length - 1, RAW_HEADER_BYTES * 4);
  for (let i = 0; i < limit; i++) {
    if (raw[i] !== 0x0a) continue;
    if (raw[i + 1] === 0x0a) {
      end = i + 1;
      bodyStart = i + 2;
      break;
    }
    if (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a) {
      end = i + 1;
      bodyStart = i + 3;
      break;
    }
  }
  if (end < 0) return null;
  const head = latin1(raw, end).replace(/\r?\n[ \t]+/g, ' ');
  const field = (name: string): string => {
    const m = new RegExp(`^${name}[ \\t]*:[ \\t]*(.*)$`, 'gim').exec(head);
    return m?.[1]?.trim() ?? '';
  };
  const contentType = field('content-type').toLowerCase();
  const mime = contentType.split(';')[0]?.trim() || 'text/plain';
  if (!mime.startsWith('text/')) return null;
  const cte = field('content-transfer-encoding').toLowerCase();
  if (cte && !['7bit', '8bit', 'binary', 'base64', 'quoted-printable'].includes(cte)) return null;
  const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1] ?? 'utf-8';
  const headerOnly = await PostalMime.parse(raw.subarray(0, end), { attachmentEncoding: 'arraybuffer' });
  const bodyBytes = decodeTransfer(raw.subarray(bodyStart), cte);
  let body: string;
  try {
    body = new TextDecoder(charset, { fatal: false }).decode(bodyBytes);
  } catch {
    body = new TextDecoder('windows-1252').decode(bodyBytes);
  }
  body = body.replace(/\r\n/g, '\n');
  return mime === 'text/html'
    ? { ...headerOnly, html: body, text: undefined, attachments: [] }
    : { ...headerOnly, text: body, html: undefined, attachments: [] };
}

const B64 = new Uint8Array(256).fill(255);
for (let i = 0; i < 64; i++)
  B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Decodes a Content-Transfer-Encoding (base64, quoted-printable; anything else as is). */
export function decodeTransfer(bytes: Uint8Array, cte: string): Uint8Array {
  if (cte === 'base64') {
    const out = new Uint8Array(Math.ceil((bytes.length * 3) / 4));
    let acc = 0;
    let bits = 0;
    let n = 0;
    for (const c of bytes) {
      const v = B64[c] ?? 255;
      if (v === 255) continue;
      acc = (acc << 6) | v;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[n++] = (acc >> bits) & 0xff;
      }
    }
    return out.subarray(0, n);
  }
  if (cte === 'quoted-printable') {
    const out = new Uint8Array(bytes.length);
    let n = 0;
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i] ?? 0;
      if (c !== 0x3d) {
        out[n++] = c;
        continue;
      }
      const a = bytes[i + 1] ?? 0;
      if (a === 0x0a) {
        i += 1; // soft line break
        continue;
      }
      if (a === 0x0d && bytes[i + 2] === 0x0a) {
        i += 2;
        continue;
      }
      const hi = hexValue(a);
      const lo = hexValue(bytes[i + 2] ?? 0);
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo;
        i += 2;
      } else out[n++] = c;
    }
    return out.subarray(0, n);
  }
  return bytes;
}

/** Parses one raw message. Never throws; malformed input degrades and is recorded in `defects`. */
export async function parseEmail(input: Uint8Array): Promise<ParsedEmail> {
  const state: Bounded = { truncated: false, defects: [] };
  let email: Email;
  let raw = input;
  try {
    raw = boundRaw(input, state);
    email =
      (await singlePart(raw)) ??
      (await PostalMime.parse(raw, { attachmentEncoding: 'arraybuffer', maxNestingDepth: 64 }));
  } catch (error) {
    state.defects.push(`mime-unparseable:${error instanceof Error ? error.message.slice(0, 80) : 'unknown'}`);
    try {
      return { ...fallbackParse(raw, state), size: input.byteLength };
    } catch {
      return emptyEmail(input.byteLength, state);
    }
  }
  try {
    return enforceBudget({ ...build(email, raw, state), size: input.byteLength });
  } catch (error) {
    state.defects.push(`normalise-failed:${error instanceof Error ? error.message.slice(0, 80) : 'unknown'}`);
    try {
      return fallbackParse(raw, state);
    } catch {
      return emptyEmail(raw.byteLength, state);
    }
  }
}

function emptyEmail(size: number, state: Bounded): ParsedEmail {
  return {
    messageId: null,
    date: null,
    subject: '',
    from: null,
    sender: null,
    replyTo: [],
    returnPath: null,
    to: [],
    cc: [],
    bcc: [],
    headers: [],
    text: '',
    html: '',
    attachments: [],
    size,
    truncated: state.truncated,
    defects: [...new Set(state.defects)],
  };
}

function build(email: Email, raw: Uint8Array, state: Bounded): ParsedEmail {
  const headers = boundHeaders(email.headers, state);
  const has = (n: string) => headers.some((h) => h.name === n);
  if (!has('from')) state.defects.push('missing-from');
  if (headers.filter((h) => h.name === 'from').length > 1) state.defects.push('multiple-from');
  if (headers.length === 0) state.defects.push('no-headers');
  const from = first(email.from);
  const fromHeader = headers.find((h) => h.name === 'from')?.value;
  if (fromHeader) {
    try {
      if (addressParser(fromHeader, { flatten: true }).filter((a) => a.address).length > 1)
        state.defects.push('from-multiple-addresses');
    } catch {
      /* unreadable From is recorded below */
    }
  }
  if (has('from') && !from?.address?.includes('@')) state.defects.push('from-unparseable');
  const recovered = recoverFrom(fromHeader, from);

  const [htmlClipped, htmlCut] = clip(dropInlineImagePayloads(email.html ?? ''), parseLimits.bodyChars);
  let html = htmlClipped;
  let [text, textCut] = clip(dropInlineImagePayloads(email.text ?? ''), parseLimits.bodyChars);
  if (htmlCut || textCut) state.truncated = true;
  if (!text && !html) state.defects.push('no-body');
  // An HTML part whose bytes were not marked as HTML still reads as markup in a plain part.
  if (!html && /<(html|body|a\s+href|table|div)\b/i.test(text)) {
    html = text;
    state.defects.push('html-in-text-part');
  }
  if (!text.trim() && html) {
    [text, textCut] = clip(htmlToText(html), parseLimits.bodyChars);
    if (textCut) state.truncated = true;
  }
  text = text.replaceAll('\u0000', '');
  html = html.replaceAll('\u0000', '');

  const returnPath = email.returnPath?.trim() || null;
  const hasImage = email.attachments.some((a) => isPngOrJpeg(bytesOf(a.content)));
  const qrImages = hasImage && mayHideLinkInQr(email.subject ?? '', text, html) ? QR_IMAGES : 0;
  return {
    messageId: email.messageId ? email.messageId.slice(0, 998) : null,
    date: headers.find((h) => h.name === 'date')?.value ?? null,
    subject: (email.subject ?? '').slice(0, 2000),
    from: recovered ?? from,
    sender: first(email.sender),
    replyTo: flatten(email.replyTo),
    returnPath: returnPath ? returnPath.slice(0, parseLimits.addressChars) : null,
    to: flatten(email.to),
    cc: flatten(email.cc),
    bcc: flatten(email.bcc),
    headers,
    text,
    html,
    attachments: buildAttachments(email, state, qrImages),
    size: raw.byteLength,
    truncated: state.truncated,
    defects: [...new Set(state.defects)],
  };
}

/** Trims the largest free-text fields until the serialised message fits the total budget. */
function roughSize(email: ParsedEmail): number {
  let n = email.text.length + email.html.length + email.subject.length + 2048;
  for (const h of email.headers) n += h.name.length + h.value.length + 24;
  for (const a of email.attachments)
    n += (a.text?.length ?? 0) + (a.filename?.length ?? 0) + 256 + (a.traits?.join('').length ?? 0);
  return n;
}

function enforceBudget(email: ParsedEmail): ParsedEmail {
  // Serialising is only worth it when the cheap estimate says the budget might be at risk.
  if (roughSize(email) < parseLimits.totalChars * 0.6) return email;
  let size = JSON.stringify(email).length;
  if (size <= parseLimits.totalChars) return email;
  let { html, text } = email;
  let attachments = email.attachments;
  let over = size - parseLimits.totalChars;
  const cut = (value: string, keepAtLeast: number): string => {
    if (over <= 0 || value.length <= keepAtLeast) return value;
    const next = value.slice(0, Math.max(keepAtLeast, value.length - over - 64));
    over -= value.length - next.length;
    return next;
  };
  html = cut(html, 32 * 1024);
  text = cut(text, 32 * 1024);
  if (over > 0) attachments = attachments.map((a) => (a.text ? { ...a, text: a.text.slice(0, 4096) } : a));
  let result: ParsedEmail = { ...email, html, text, attachments, truncated: true };
  size = JSON.stringify(result).length;
  if (size > parseLimits.totalChars) {
    const share = Math.floor(parseLimits.totalChars / 8);
    result = {
      ...result,
      html: html.slice(0, share),
      text: text.slice(0, share),
      headers: result.headers.slice(0, 100).map((h) => ({ name: h.name, value: h.value.slice(0, 512) })),
      attachments: attachments.map((a) => (a.text ? { ...a, text: a.text.slice(0, 1024) } : a)),
    };
  }
  return result;
}
