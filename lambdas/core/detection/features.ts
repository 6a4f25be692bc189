/**
 * One pass over a ParsedEmail into the facts every rule reads: sender domains, stated auth
 * results, links (HTML anchors, forms, text URLs, attachment URLs), visible text, HTML traits.
 * Computed once per message; rules stay small and cheap.
 */

import { decodeEntities, htmlToText } from '#core/email/html-to-text.ts';
import type { EmailAddress, ParsedEmail } from '#core/email/parsed-email.ts';
import { domainOf, rootDomain } from './domains.ts';
import { foldText } from './normalise.ts';

export type LinkSource = 'html' | 'text' | 'form' | 'attachment' | 'area' | 'redirect';

export interface Link {
  readonly url: string;
  /** Lower-case host (IDN as written, punycode kept), or '' for non-network schemes. */
  readonly host: string;
  readonly root: string;
  readonly scheme: string;
  /** Visible anchor text (HTML links only). */
  readonly text: string;
  readonly source: LinkSource;
  /** Anchor wraps an image only. */
  readonly imageOnly: boolean;
}

export interface AuthResults {
  readonly spf: string | null;
  readonly dkim: string | null;
  readonly dmarc: string | null;
  readonly arc: string | null;
  readonly compauth: string | null;
  /** header.from domain stated by the verifier, if any. */
  readonly headerFrom: string | null;
  /** DKIM signing domains that passed (header.d / header.i). */
  readonly dkimPassDomains: readonly string[];
  readonly sesSpam: string | null;
  readonly sesVirus: string | null;
  /**
   * The From domain's DMARC policy as the verifier states it beside its result: 'none' (the owner
   * only monitors) or 'enforced' (quarantine or reject); null when not stated.
   */
  readonly dmarcPolicy: 'none' | 'enforced' | null;
}

export interface MessageView {
  readonly email: ParsedEmail;
  readonly from: EmailAddress | null;
  readonly fromDomain: string;
  readonly fromRoot: string;
  readonly displayName: string;
  /** Display name folded: lower case, confusables mapped, accents dropped. */
  readonly displayFolded: string;
  readonly replyToRoots: readonly string[];
  readonly returnPathRoot: string;
  readonly auth: AuthResults;
  readonly links: readonly Link[];
  /** Subject + visible body text (HTML stripped when there is no plain part), bounded. */
  readonly bodyText: string;
  /** Subject and the first part of `bodyText`, folded for lexicon matching. */
  readonly folded: string;
  /** The first part of `bodyText`, folded, without disclaimer sentences (`dropDisclaimers`). */
  readonly bodyFolded: string;
  readonly subjectFolded: string;
  readonly html: string;
  readonly header: (name: string) => string | null;
  readonly headersAll: (name: string) => string[];
}

const TEXT_LIMIT = 32 * 1024;
/** Lures state their ask early: lexicons read the first 12 KiB of text. */
const LEXICON_LIMIT = 12 * 1024;
const HTML_LIMIT = 128 * 1024;
const MAX_LINKS = 300;
/** A plain part shorter than this beside an HTML part may be a placeholder; the HTML is compared. */
const STUB_TEXT = 400;

export { decodeEntities };

export function stripTags(html: string): string {
  return htmlToText(html);
}

const URL_PARTS = /^([a-z][a-z0-9+.-]{0,20}):(?:\/\/)?(?:[^@/?#\s]*@)?(\[[^\]]*\]|[^/?#:\s\\]*)/i;

export function parseUrl(raw: string): { scheme: string; host: string } {
  const url = raw.trim();
  const m = URL_PARTS.exec(url);
  if (!m) {
    if (/^www\./i.test(url)) return { scheme: 'http', host: (url.split(/[/?#:\s]/)[0] ?? '').toLowerCase() };
    return { scheme: '', host: '' };
  }
  const scheme = (m[1] ?? '').toLowerCase();
  if (scheme !== 'http' && scheme !== 'https' && scheme !== 'ftp') return { scheme, host: '' };
  let host = (m[2] ?? '').toLowerCase().replace(/\.+$/, '');
  try {
    if (host.includes('%')) host = decodeURIComponent(host);
  } catch {
    /* keep as written */
  }
  return { scheme, host };
}

function makeLink(url: string, text: string, source: LinkSource, imageOnly: boolean): Link {
  const { scheme, host } = parseUrl(url);
  return { url: url.slice(0, 2048), host, root: rootDomain(host), scheme, text, source, imageOnly };
}

const TEXT_URL = /\b(?:https?:\/\/|www\.)[^\s<>"'`{}|\\^\][]{2,2000}/gi;
/** A bare host with a path, anchored at the start of a whitespace-separated token. */
const BARE_HOST_URL = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}\/[^<>"'`{}|\\^\][]{0,2000}/i;

/** A destination carried in a link's query string (open redirects, click wrappers). */
const REDIRECT_PARAM =
  /[?&](?:url|u|to|redirect|redirect_uri|redir|next|goto|target|dest|destination|continue|q|r|link|return|returnurl)=((?:https?(?::|%3a))[^&#]+)/i;

/** A destination written percent-encoded as one path segment (SES's awstrack.me `/L0/https:%2F%2F…/`). */
const REDIRECT_SEGMENT = /\/(https?(?::|%3a)%2f%2f[^/?#&]+)/i;

/** Where a link sends the reader on, when its query string or path says so; null otherwise. */
export function redirectTarget(link: Pick<Link, 'url' | 'host'>): string | null {
  const m = REDIRECT_PARAM.exec(link.url) ?? REDIRECT_SEGMENT.exec(link.url);
  if (m?.[1]) {
    try {
      return decodeURIComponent(m[1]);
    } catch {
      return m[1];
    }
  }
  // Bing's click wrapper carries the target base64url-encoded after "a1" (bing.com/ck/a?…&u=a1…).
  const bing = /^(?:www\.)?bing\.com$/.test(link.host)
    ? /[?&]u=a1([A-Za-z0-9_-]{8,2000})/.exec(link.url)
    : null;
  if (bing?.[1]) {
    const target = Buffer.from(bing[1], 'base64url').toString('latin1');
    if (/^https?:\/\//i.test(target)) return target;
  }
  return null;
}

/**
 * The destinations behind open redirects and click wrappers, as links of their own: the URL rules
 * judge where the reader lands (a tinyurl behind vk.com/away.php, a pharmacy behind google.com/url).
 * The sender's own tracker is left alone: what it points to the sender chose, like a direct link.
 */
function redirectTargets(links: Link[], seen: Set<string>, senderRoot: string): void {
  const count = links.length;
  for (let i = 0; i < count && links.length < MAX_LINKS; i++) {
    const link = links[i];
    if (!link?.host || link.root === senderRoot) continue;
    const target = redirectTarget(link);
    if (!target || seen.has(target)) continue;
    seen.add(target);
    const landed = makeLink(target, '', 'redirect', false);
    if (landed.host && landed.root !== link.root) links.push(landed);
  }
}

function addTextLink(written: string, source: LinkSource, out: Link[], seen: Set<string>): void {
  const url = written.replace(/[.,;:!?)]+$/, '');
  if (seen.has(url)) return;
  seen.add(url);
  out.push(makeLink(url, '', source, false));
}

/**
 * URLs in text: with a scheme or "www.", and bare hosts with a path ("transfer705.pages.dev/x"),
 * which mail clients turn into links and lures write to slip past link scanners.
 */
function textLinks(text: string, source: LinkSource, out: Link[], seen: Set<string>): void {
  TEXT_URL.lastIndex = 0;
  let m: RegExpExecArray | null = TEXT_URL.exec(text);
  while (m && out.length < MAX_LINKS) {
    addTextLink(m[0], source, out, seen);
    m = TEXT_URL.exec(text);
  }
  // Only around each "/": one regex over the whole text, or splitting it into words, costs more.
  for (let slash = text.indexOf('/'); slash >= 0 && out.length < MAX_LINKS;) {
    let start = slash;
    while (start > 0 && slash - start < 300 && !isSpace(text.charCodeAt(start - 1))) start--;
    let end = slash;
    while (end < text.length && end - slash < 2000 && !isSpace(text.charCodeAt(end))) end++;
    const token = text.slice(start, end).replace(/^[(<"'[]+/, '');
    // Schemes and "www." were read above (or are not web links).
    const bare = /^(?:[a-z][a-z0-9+.-]*:|www\.)/i.test(token) ? null : BARE_HOST_URL.exec(token);
    if (bare) addTextLink(`http://${bare[0]}`, source, out, seen);
    slash = text.indexOf('/', end);
  }
}

/** ASCII whitespace and the no-break space: where a written link ends. */
const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13) || c === 160;

// The anchor text may not run into the next anchor: keeps unclosed <a> floods linear.
const ANCHOR = /<a\b([^>]*)>((?:(?!<a\b)[\s\S]){0,2000}?)<\/a\s*>/gi;
const HREF = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i;
const FORM = /<form\b[^>]*?\baction\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;
const AREA = /<area\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;

function htmlLinks(html: string, out: Link[], seen: Set<string>): void {
  ANCHOR.lastIndex = 0;
  let m: RegExpExecArray | null = ANCHOR.exec(html);
  while (m && out.length < MAX_LINKS) {
    const h = HREF.exec(m[1] ?? '');
    if (h) {
      const href = decodeEntities((h[1] ?? h[2] ?? h[3] ?? '').trim());
      const inner = m[2] ?? '';
      const text = stripTags(inner).replace(/\s+/g, ' ').trim().slice(0, 300);
      // <input type="image"> draws a picture as well as <img> does.
      const imageOnly = !text && /<img\b|<input\b[^>]*type\s*=\s*["']?image/i.test(inner);
      seen.add(href);
      out.push(makeLink(href, text, 'html', imageOnly));
    }
    m = ANCHOR.exec(html);
  }
  for (const [re, source] of [
    [FORM, 'form'],
    [AREA, 'area'],
  ] as const) {
    re.lastIndex = 0;
    let f: RegExpExecArray | null = re.exec(html);
    while (f && out.length < MAX_LINKS) {
      const action = decodeEntities((f[1] ?? f[2] ?? f[3] ?? '').trim());
      out.push(makeLink(action, '', source, false));
      f = re.exec(html);
    }
  }
}

/**
 * The receiving server's own Authentication-Results: the topmost header, with the ones right below
 * it that carry the same authserv-id before the next Received hop (Fastmail writes one header per
 * method). Lower ones may have been written by the sender or an earlier hop.
 */
export function receiverAuthResults(headers: readonly { name: string; value: string }[]): string {
  let id: string | null = null;
  const parts: string[] = [];
  for (const h of headers) {
    const name = h.name.toLowerCase();
    if (name === 'received' && id !== null) break;
    if (name !== 'authentication-results') continue;
    const own = authservId(h.value);
    if (id === null) id = own;
    else if (own !== id) break;
    parts.push(h.value);
  }
  return parts.join('; ');
}

const authservId = (value: string) => (/^\s*([^\s;]*)/.exec(value)?.[1] ?? '').toLowerCase();

function parseAuth(view: {
  header: (n: string) => string | null;
  headers: readonly { name: string; value: string }[];
}): AuthResults {
  const ar = receiverAuthResults(view.headers);
  const arc = view.header('arc-authentication-results') ?? '';
  const pick = (src: string, method: string): string | null => {
    const m = new RegExp(`\\b${method}\\s*=\\s*([a-z]+)`, 'i').exec(src);
    return m?.[1] ? m[1].toLowerCase() : null;
  };
  const receivedSpf = view.header('received-spf');
  const spfFromReceived = receivedSpf
    ? (/^\s*([a-z]+)/i.exec(receivedSpf)?.[1]?.toLowerCase() ?? null)
    : null;
  const dkimPassDomains: string[] = [];
  const re = /dkim\s*=\s*pass[^;]*?header\.[di]\s*=\s*@?([a-z0-9.-]+)/gi;
  let m: RegExpExecArray | null = re.exec(ar);
  while (m) {
    if (m[1]) dkimPassDomains.push(m[1].toLowerCase());
    m = re.exec(ar);
  }
  const hf = /header\.from\s*=\s*([a-z0-9.-]+)/i.exec(ar);
  // "dmarc=fail (p=NONE sp=NONE dis=NONE)", "dmarc=fail action=none", "policy.published-domain-policy=reject"
  const dmarcClause = /\bdmarc\s*=[^;]*/i.exec(ar)?.[0] ?? '';
  const policy = /\b(?:p|action|policy\.published-domain-policy)\s*=\s*([a-z]+)/i
    .exec(dmarcClause)?.[1]
    ?.toLowerCase();
  return {
    spf: pick(ar, 'spf') ?? spfFromReceived,
    dkim: pick(ar, 'dkim'),
    dmarc: pick(ar, 'dmarc'),
    arc: pick(ar, 'arc') ?? pick(arc, 'arc'),
    compauth: pick(ar, 'compauth'),
    headerFrom: hf?.[1] ? hf[1].toLowerCase() : null,
    dkimPassDomains,
    sesSpam: view.header('x-ses-spam-verdict')?.trim().toLowerCase() ?? null,
    sesVirus: view.header('x-ses-virus-verdict')?.trim().toLowerCase() ?? null,
    dmarcPolicy: policy === 'none' ? 'none' : policy ? 'enforced' : null,
  };
}

/**
 * A short phrase in quotation marks is being talked about, not asked for ("the \u201cverify your
 * account\u201d mails landed in spam"): lexicons read the text without such mentions.
 */
const MENTION =
  /["\u201c\u201d\u00ab\u00bb\u201e]([^"\u201c\u201d\u00ab\u00bb\u201e\n]{3,60})["\u201c\u201d\u00ab\u00bb\u201e]/g;

export function dropMentions(text: string): string {
  return text.includes('"') || /[\u201c\u201d\u00ab\u00bb\u201e]/.test(text)
    ? text.replace(MENTION, ' ')
    : text;
}

/**
 * A sentence that says what the sender never asks for ("Amazon will never ask you to verify your
 * password"; "if you receive a suspicious email with a link to update your account information, do
 * not click") warns about lures; it does not ask. Nor does a confidentiality notice ("if you are not
 * the intended recipient, notify the sender immediately"). Folded text, as the lexicons read it.
 */
const DISCLAIMER =
  /\b(?:(?:will|would|do|does|shall) never|never (?:ask|request|send|contact|call|e-?mail|text)|if you (?:receive|received|get|got) (?:an? )?(?:suspicious|unexpected|unsolicited|fraudulent)|nunca (?:lhe |te |le )?(?:pedimos|pedira|pediremos|pede|pide|solicitamos|solicita|solicitara|solicitaremos|enviamos|enviara|enviaremos)|ne (?:vous |te )?(?:demandera|demanderons|demande) jamais|(?:werden|wird) (?:sie |dich )?(?:niemals|nie)|(?:zullen|vragen|vraagt|zal) (?:u |je )?nooit|non (?:ti|le|vi) (?:chiederemo|chiedera|chiede) mai|not the intended recipient|received this (?:e-?mail|message|communication|transmission) (?:in error|by mistake)|(?:si usted|se voce) nao e o destinatario|si usted no es (?:el |su )?destinatario|si vous n'?etes pas (?:le )?destinataire|nicht der (?:richtige |beabsichtigte )?empfanger|niet de (?:beoogde )?geadresseerde)\b/g;
const SENTENCE_END = /[.!?;]/;

export function dropDisclaimers(text: string): string {
  DISCLAIMER.lastIndex = 0;
  let m = DISCLAIMER.exec(text);
  if (!m) return text;
  let out = '';
  let kept = 0;
  while (m) {
    let start = m.index;
    while (start > kept && !SENTENCE_END.test(text[start - 1] ?? '')) start--;
    let end = m.index + m[0].length;
    while (end < text.length && !SENTENCE_END.test(text[end] ?? '')) end++;
    out += `${text.slice(kept, start)} `;
    kept = Math.min(text.length, end + 1);
    DISCLAIMER.lastIndex = kept;
    m = DISCLAIMER.exec(text);
  }
  return out + text.slice(kept);
}

export function buildView(email: ParsedEmail): MessageView {
  const byName = new Map<string, string[]>();
  for (const h of email.headers) {
    const list = byName.get(h.name);
    if (list) list.push(h.value);
    else byName.set(h.name, [h.value]);
  }
  const header = (n: string) => byName.get(n)?.[0] ?? null;
  const headersAll = (n: string) => byName.get(n) ?? [];
  const from = email.from;
  const fromDomain = domainOf(from?.address);
  const html = email.html.length > HTML_LIMIT ? email.html.slice(0, HTML_LIMIT) : email.html;
  let body = email.text;
  if (html && (!body.trim() || body.length < STUB_TEXT)) {
    // No plain part, or a stub ("view this message in a browser"): what the reader sees is the HTML.
    const fromHtml = stripTags(html);
    if (fromHtml.length > 2 * body.trim().length) body = fromHtml;
  }
  if (body.length > TEXT_LIMIT) body = body.slice(0, TEXT_LIMIT);

  const links: Link[] = [];
  const seen = new Set<string>();
  if (html) htmlLinks(html, links, seen);
  textLinks(body, 'text', links, seen);
  for (const a of email.attachments) if (a.text) textLinks(a.text, 'attachment', links, seen);
  for (const a of email.attachments) {
    if (
      a.text &&
      (a.sniffedType === 'text/html' || a.sniffedType === 'image/svg+xml' || /html?$/i.test(a.filename ?? ''))
    ) {
      htmlLinks(a.text, links, seen);
    }
  }

  redirectTargets(links, seen, rootDomain(fromDomain));

  const displayName = (from?.name ?? '').trim();
  const subjectFolded = foldText(email.subject).replace(/\s+/g, ' ');
  // Phrases are matched across line breaks: plain text wraps at ~72 columns, HTML at blocks.
  const bodyFolded = dropDisclaimers(
    foldText(body.length > LEXICON_LIMIT ? body.slice(0, LEXICON_LIMIT) : body).replace(/\s+/g, ' '),
  );
  return {
    email,
    from,
    fromDomain,
    fromRoot: rootDomain(fromDomain),
    displayName,
    // Trademark signs fold to letters (™ → tm) and would glue onto the brand name.
    displayFolded: foldText(displayName.replace(/[\u2122\u2120\u00ae\u00a9]/g, ' ')),
    replyToRoots: [...new Set(email.replyTo.map((r) => rootDomain(domainOf(r.address))).filter(Boolean))],
    returnPathRoot: rootDomain(domainOf(email.returnPath)),
    auth: parseAuth({ header, headers: email.headers }),
    links,
    bodyText: body,
    folded: `${subjectFolded}\n${dropMentions(bodyFolded)}`,
    bodyFolded,
    subjectFolded,
    html,
    header,
    headersAll,
  };
}
