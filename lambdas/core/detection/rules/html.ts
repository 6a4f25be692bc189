/** HTML family: forms, scripts, hidden text, invisible characters, obfuscation, image-only bodies. */
import { decodeEntities } from '../features.ts';
import { maskText } from '../mask.ts';
import { defineRule, type Rule } from './rule.ts';

/** An opening tag with an inline style. */
const STYLED_TAG = /<([a-z][a-z0-9]*)\b[^>]*?\bstyle\s*=\s*("[^"]*"|'[^']*')[^>]*>/gi;
/** Inline hiding that no descendant can undo. */
const HIDES_ALL = /display\s*:\s*none|visibility\s*:\s*hidden|opacity\s*:\s*0(?:\.0*)?(?![\d.])/i;
/** A zero font size, which a descendant can undo (see FONT_RESET). */
const ZERO_FONT = /font-size\s*:\s*0(?:\.0*)?(?:px|pt|em|rem|%)?(?![\d.])/i;
/** A descendant that sets a visible font size again. */
const FONT_RESET = /<[a-z][^>]*font-size\s*:\s*(?:0*[1-9]|0*\.\d*[1-9])/i;
/** Elements without content: hiding them hides no text. */
const VOID_TAGS = new Set(['img', 'br', 'hr', 'input', 'meta', 'link', 'area', 'col', 'wbr', 'source']);

/** The markup inside an element, up to its matching end tag (nesting counted) or `limit` characters. */
function elementContent(html: string, from: number, tag: string, limit: number): string {
  if (VOID_TAGS.has(tag)) return '';
  const window = html.slice(from, from + limit);
  const boundary = new RegExp(`<(/?)${tag}\\b[^>]*>`, 'gi');
  let depth = 1;
  for (let m = boundary.exec(window); m; m = boundary.exec(window)) {
    if (m[1]) {
      if (--depth === 0) return window.slice(0, m.index);
    } else if (!m[0].endsWith('/>')) depth++;
  }
  return window; // left unclosed: it runs on, as far as the bound
}

const classesOf = (tag: string): string[] =>
  (/\bclass\s*=\s*["']?([^"'>]*)/i.exec(tag)?.[1] ?? '').toLowerCase().split(/\s+/).filter(Boolean);

/** Words of text a reader cannot see (display:none inline or by a style sheet, zero font, zero opacity). */
export function hiddenWords(html: string): { words: number; sample: string } {
  const regions: string[] = [];
  let readWhole = true;
  let budget = HIDDEN_TEXT_BUDGET;
  let elements = 0;
  const { shown } = stylesheetSelectors(html);
  const styled = new RegExp(STYLED_TAG.source, 'gi');
  for (let m = styled.exec(html); m && elements < 200 && budget > 0; m = styled.exec(html)) {
    const style = m[2] ?? '';
    const hidesAll = HIDES_ALL.test(style);
    if (!hidesAll && !ZERO_FONT.test(style)) continue;
    // Hidden inline and shown by a class rule (`.mobile{display:block !important}` in an @media
    // block): the responsive twin of the visible layout, not text kept from the reader.
    if (shown.size > 0 && classesOf(m[0]).some((c) => shown.has(`.${c}`))) continue;
    elements++;
    const from = m.index + m[0].length;
    const bound = Math.min(HIDDEN_REGION_CHARS, budget);
    let reach = bound;
    if (!hidesAll) {
      // A zero font size holds only until a descendant sets its own: email templates (MJML) zero
      // the font of layout cells to close inline-block gaps, and size the text inside them.
      const reset = html.slice(from, from + reach).search(FONT_RESET);
      if (reset >= 0) reach = reset;
    }
    const hidden = elementContent(html, from, (m[1] ?? '').toLowerCase(), reach);
    if (hidden.length >= bound) readWhole = false;
    regions.push(hidden);
    budget -= hidden.length + 1;
    // Hidden elements nested in this one are already counted; the rest is read on.
    styled.lastIndex = from + hidden.length;
  }
  for (const region of stylesheetHiddenRegions(html)) {
    if (region.length >= HIDDEN_REGION_CHARS) readWhole = false;
    regions.push(region);
  }
  if (budget <= 0) readWhole = false;
  let words = 0;
  let sample = '';
  let document: Map<string, number> | undefined;
  for (const region of regions) {
    const n = countWords(region);
    if (n === 0) continue;
    // A preview of what the reader sees anyway (a news digest's headlines in its preheader) hides
    // nothing; salad is text the reader never sees at all. Only when every hidden region was read
    // to its end can the rest of the document be taken for what the reader sees.
    if (
      readWhole &&
      n >= PREVIEW_CHECK_WORDS &&
      repeatsVisibleText(region, (document ??= wordCounts(cleanText(html))))
    )
      continue;
    words += n;
    if (!sample && n >= 5) sample = cleanText(region);
  }
  return { words, sample };
}

/** Hidden regions shorter than this are not checked for repeating the visible text. */
const PREVIEW_CHECK_WORDS = 20;

function wordCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of text.toLowerCase().match(/\p{L}{4,}/gu) ?? []) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

/** Whether most distinct words of a hidden region also occur outside it in the document. */
function repeatsVisibleText(region: string, document: ReadonlyMap<string, number>): boolean {
  const own = wordCounts(cleanText(region));
  if (own.size === 0) return false;
  let repeated = 0;
  for (const [w, n] of own) if ((document.get(w) ?? 0) > n) repeated++;
  return repeated >= 0.6 * own.size;
}

const cleanText = (fragment: string): string =>
  decodeEntities(fragment.replace(/<[^>]*>/g, ' '))
    .replace(/(?:[\s\u200b-\u200d\u00a0]|\u034f)+/g, ' ')
    .trim();

function countWords(fragment: string): number {
  const text = cleanText(fragment);
  return text ? text.split(' ').filter((w) => /[a-z]{2,}/i.test(w)).length : 0;
}

const STYLE_OPEN = /<style\b[^>]*>/gi;
const STYLE_CLOSE = /<\/style\s*>/gi;
/** The first 20,000 characters of each style sheet are read, however long it runs. */
const STYLE_CHARS = 20_000;
/** A kit hides a handful of selectors; a sheet hiding hundreds is not followed further. */
const MAX_HIDDEN_SELECTORS = 20;
const HIDES = /(?:display\s*:\s*none|visibility\s*:\s*hidden)/i;
const SHOWS = /display\s*:\s*(?:block|inline|inline-block|table|table-row|table-cell|flex|grid|list-item)/i;
const SIMPLE_SELECTOR = /^(?:[a-z][a-z0-9]{0,15}|\.[a-z_][\w-]{0,60})$/i;
const HIDDEN_REGION_CHARS = 20_000;
const HIDDEN_TEXT_BUDGET = 40_000;
const NOT_TEXT = new Set(['head', 'title', 'style', 'script', 'noscript', 'template']);

/** The text of each <style> block, bounded. */
function styleSheets(html: string): string[] {
  const sheets: string[] = [];
  STYLE_OPEN.lastIndex = 0;
  for (let m = STYLE_OPEN.exec(html); m && sheets.length < 50; m = STYLE_OPEN.exec(html)) {
    const from = m.index + m[0].length;
    STYLE_CLOSE.lastIndex = from;
    const close = STYLE_CLOSE.exec(html);
    const to = close ? close.index : html.length;
    sheets.push(html.slice(from, Math.min(to, from + STYLE_CHARS)));
    STYLE_OPEN.lastIndex = Math.max(from, to);
  }
  return sheets;
}

/**
 * Selectors a style sheet hides outright: a bare element (`q{display:none}`) or a class, at the
 * top level of the sheet and never shown again (responsive mail hides `.mobile` and shows it in an
 * `@media` block; that is layout, not hiding). Descendant and other complex selectors are ignored.
 */
export function stylesheetHiddenSelectors(html: string): string[] {
  const { hidden, shown } = stylesheetSelectors(html);
  return [...hidden].filter((sel) => !shown.has(sel) && !NOT_TEXT.has(sel)).slice(0, MAX_HIDDEN_SELECTORS);
}

/** Simple selectors a style sheet hides at its top level, and those it shows anywhere (`@media` included). */
function stylesheetSelectors(html: string): { hidden: ReadonlySet<string>; shown: ReadonlySet<string> } {
  const hidden = new Set<string>();
  const shown = new Set<string>();
  if (!/<style/i.test(html) || !HIDES.test(html)) return { hidden, shown };
  for (const sheet of styleSheets(html)) {
    const css = sheet.replace(/\/\*[\s\S]*?\*\//g, ' ');
    let depth = 0;
    let start = 0;
    let selector = '';
    let inAtRule = false;
    for (let i = 0; i < css.length; i++) {
      const c = css[i];
      if (c === '{') {
        if (depth === 0) {
          selector = css.slice(start, i).trim();
          inAtRule = selector.startsWith('@');
        } else if (inAtRule) {
          selector = css.slice(start, i).trim();
        }
        depth++;
        start = i + 1;
      } else if (c === '}') {
        const body = css.slice(start, i);
        const atTop = depth === 1 && !inAtRule;
        for (const one of selector.split(',')) {
          const sel = one.trim().toLowerCase();
          if (!SIMPLE_SELECTOR.test(sel)) continue;
          if (atTop && HIDES.test(body)) hidden.add(sel);
          if (SHOWS.test(body)) shown.add(sel);
        }
        depth = Math.max(0, depth - 1);
        if (depth === 0) inAtRule = false;
        start = i + 1;
      }
    }
  }
  return { hidden, shown };
}

/** The markup of the elements a style sheet hides; an element left unclosed runs on (bounded). */
export function stylesheetHiddenRegions(html: string): string[] {
  const selectors = stylesheetHiddenSelectors(html);
  if (selectors.length === 0) return [];
  const tags = new Set(selectors.filter((sel) => sel[0] !== '.'));
  const classes = new Set(selectors.filter((sel) => sel[0] === '.').map((sel) => sel.slice(1)));
  const regions: string[] = [];
  // Enough hidden text to judge is enough: the rule saturates long before this.
  let budget = HIDDEN_TEXT_BUDGET;
  // One pass over the tags, whatever the number of selectors.
  const TAG = /<([a-z][a-z0-9]*)\b([^>]*)>/gi;
  for (let m = TAG.exec(html); m && regions.length < 200 && budget > 0; m = TAG.exec(html)) {
    const tag = (m[1] ?? '').toLowerCase();
    const hidden = tags.has(tag) || (classes.size > 0 && classesOf(m[0]).some((c) => classes.has(c)));
    if (!hidden) continue;
    const from = m.index + m[0].length;
    const region = elementContent(html, from, tag, Math.min(HIDDEN_REGION_CHARS, budget));
    regions.push(region);
    budget -= region.length + 1;
    TAG.lastIndex = from + region.length;
  }
  return regions;
}

/** A sentence offering to unsubscribe ("Wenn Sie sich abmelden möchten, klicken Sie hier. OPT OUT"). */
const OPT_OUT_SENTENCE =
  /[^.!?\n]{0,200}\b(?:unsubscribe|opt[ -]?out|abmelden|abbestellen|desinscri\w*|désinscri\w*|désabonne\w*|afmelden|uitschrijven|darse de baja|descadastr\w*|disiscriv\w*)\b[^.!?\n]{0,200}[.!?]?/gi;

/** Longer than this, a body is more than a picture and an opt-out line (and is not searched for one). */
const OPT_OUT_TEXT_MAX = 600;

export const htmlRules: readonly Rule[] = [
  defineRule({
    id: 'html.form',
    family: 'html',
    severity: 'high',
    description: 'The message body contains a form (credentials typed into an email).',
    weight: 1.5,
    evaluate: (v) => {
      if (!/<form\b/i.test(v.html)) return null;
      const pw = /type\s*=\s*["']?password/i.test(v.html);
      return { evidence: pw ? 'form with a password field' : 'form in the body', strength: pw ? 1.5 : 1 };
    },
  }),
  defineRule({
    id: 'html.script',
    family: 'html',
    severity: 'medium',
    description: 'The message body contains script or inline event handlers.',
    weight: 0.8,
    evaluate: (v) =>
      /<script\b|\son(load|error|click|mouseover)\s*=/i.test(v.html)
        ? { evidence: 'script in the HTML body' }
        : null,
  }),
  defineRule({
    id: 'html.hidden-text',
    family: 'html',
    severity: 'medium',
    description: 'A large amount of text is hidden from the reader (filter-evasion "salad").',
    weight: 1.0,
    evaluate: (v) => {
      if (!v.html) return null;
      const { words, sample } = hiddenWords(v.html);
      // Newsletters hide a one-line preheader; salad is much longer.
      if (words < 40) return null;
      return {
        evidence: `${words} hidden words, e.g. "${maskText(sample, 50)}"`,
        strength: words >= 150 ? 1.5 : 1,
      };
    },
  }),
  defineRule({
    id: 'html.invisible-characters',
    family: 'html',
    severity: 'medium',
    description: 'Zero-width or invisible characters break up words in the visible text or subject.',
    weight: 0.9,
    evaluate: (v) => {
      // Inside a word (letter-invisible-letter), not the &zwnj; padding of preheaders.
      const re = /\p{L}(?:[\u00ad\u200b-\u200f\u2060\ufeff]|\u034f)+\p{L}/u;
      const subject = v.email.subject;
      if (re.test(subject))
        return { evidence: 'invisible characters inside words of the subject', strength: 1.3 };
      const m = re.exec(v.bodyText);
      if (!m) return null;
      const count = (v.bodyText.match(/\p{L}(?:[\u00ad\u200b-\u200d\u2060\ufeff]|\u034f)+\p{L}/gu) ?? [])
        .length;
      if (count < 3) return null;
      // A few may be a pasted artefact; dozens are a body written to be unreadable to filters.
      return { evidence: `${count} words broken by invisible characters`, strength: count >= 30 ? 1.5 : 1 };
    },
  }),
  defineRule({
    id: 'html.image-only',
    family: 'html',
    severity: 'low',
    description: 'The body is essentially a linked image with almost no text (OCR-evasion lure).',
    weight: 0.6,
    evaluate: (v) => {
      if (!v.html) return null;
      const imgs = (v.html.match(/<img\b|<input\b[^>]*type\s*=\s*["']?image/gi) ?? []).length;
      // A picture can also be a block's CSS background, behind a link with no text of its own.
      const backgrounds = (v.html.match(/background(?:-image)?\s*:\s*url\(/gi) ?? []).length;
      if (imgs + backgrounds === 0 || imgs + backgrounds > 3) return null;
      const words = v.bodyText.replace(/\s+/g, ' ').trim();
      if (words.length > OPT_OUT_TEXT_MAX) return null;
      // The opt-out line bulk senders must carry is not text a reader reads instead of the picture.
      const text = words.replace(OPT_OUT_SENTENCE, ' ').replace(/\s+/g, ' ').trim();
      if (text.length > 60) return null;
      const linkedImage = v.links.some(
        (l) =>
          l.imageOnly || (backgrounds > 0 && l.source === 'html' && l.host !== '' && l.text.trim() === ''),
      );
      return linkedImage
        ? { evidence: `${imgs + backgrounds} image(s), ${text.length} characters of text` }
        : null;
    },
  }),
  defineRule({
    id: 'html.entity-obfuscation',
    family: 'html',
    severity: 'low',
    description: 'Plain letters are written as numeric character references to dodge filters.',
    weight: 0.7,
    evaluate: (v) => {
      const m = v.html.match(
        /&#(x0*(4[1-9a-f]|5[0-9a]|6[1-9a-f]|7[0-9a])|0*(6[5-9]|[7-9][0-9]|1[01][0-9]|12[0-2]));/gi,
      );
      return m && m.length >= 15 ? { evidence: `${m.length} letters written as character references` } : null;
    },
  }),
  defineRule({
    id: 'html.base64-blob',
    family: 'html',
    severity: 'medium',
    description: 'The HTML carries a large inline base64 blob outside images (smuggling).',
    weight: 1.0,
    evaluate: (v) => {
      const html = v.html.replace(/src\s*=\s*["']data:image\/[^"']+["']/gi, '');
      return /data:(application|text)\/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]{400,}|atob\(\s*["'][A-Za-z0-9+/=]{400,}/i.test(
        html,
      )
        ? { evidence: 'inline base64 document or script payload' }
        : null;
    },
  }),
  defineRule({
    id: 'html.meta-refresh',
    family: 'html',
    severity: 'medium',
    description: 'The HTML redirects by itself (meta refresh or script location change).',
    weight: 0.9,
    evaluate: (v) =>
      /http-equiv\s*=\s*["']?refresh|window\.location(\.href)?\s*=|location\.replace\(/i.test(v.html)
        ? { evidence: 'self-redirecting HTML' }
        : null,
  }),
];
