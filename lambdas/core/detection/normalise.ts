/**
 * Text and domain normalisation: case folding, accent removal, invisible-character removal and
 * a confusables skeleton in the spirit of UTS #39 (a bundled subset of confusables.txt covering
 * the Latin-lookalike letters of Cyrillic, Greek, Armenian, Cherokee, fullwidth and
 * mathematical alphanumerics via NFKC, plus the digit/letter swaps used in domain spoofing).
 */

/** Cyrillic, Greek and other letters that render like Latin ones (UTS #39 confusables subset). */
const CONFUSABLE: Record<string, string> = {
  а: 'a',
  б: 'b',
  в: 'b',
  г: 'r',
  е: 'e',
  ё: 'e',
  ѕ: 's',
  і: 'i',
  ї: 'i',
  ј: 'j',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  п: 'n',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ы: 'bl',
  ь: 'b',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  һ: 'h',
  ӏ: 'l',
  ɡ: 'g',
  ɑ: 'a',
  ɩ: 'i',
  ɪ: 'i',
  ʏ: 'y',
  ʀ: 'r',
  ᴀ: 'a',
  ʙ: 'b',
  ᴄ: 'c',
  ᴅ: 'd',
  ᴇ: 'e',
  ɢ: 'g',
  ʜ: 'h',
  ᴊ: 'j',
  ᴋ: 'k',
  ʟ: 'l',
  ᴍ: 'm',
  ɴ: 'n',
  ᴏ: 'o',
  ᴘ: 'p',
  ᴛ: 't',
  ᴜ: 'u',
  ᴠ: 'v',
  ᴡ: 'w',
  ᴢ: 'z',
  α: 'a',
  β: 'b',
  γ: 'y',
  ε: 'e',
  ζ: 'z',
  η: 'n',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ω: 'w',
  ϲ: 'c',
  ϳ: 'j',
  Ꭺ: 'a',
  Ᏼ: 'b',
  Ꮯ: 'c',
  Ꭰ: 'd',
  Ꭼ: 'e',
  Ꮐ: 'g',
  Ꮋ: 'h',
  Ꮖ: 'i',
  Ꭻ: 'j',
  Ꮶ: 'k',
  Ꮮ: 'l',
  Ꮇ: 'm',
  Ꮲ: 'p',
  Ꮪ: 's',
  Ꭲ: 't',
  Ꮩ: 'v',
  Ꮃ: 'w',
  Ꮓ: 'z',
  օ: 'o',
  ս: 'u',
  ց: 'g',
  հ: 'h',
  ո: 'n',
  ք: 'p',
  ı: 'i',
  ȷ: 'j',
  ℓ: 'l',
  ℮: 'e',
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  đ: 'd',
  ł: 'l',
  ħ: 'h',
  þ: 'p',
};

/** Invisible and format characters used to break up words (built from code points, no regex literal). */
const INVISIBLE = new RegExp(
  `[${[
    [0xad],
    [0x34f],
    [0x61c],
    [0x115f, 0x1160],
    [0x17b4, 0x17b5],
    [0x180e],
    [0x200b, 0x200f],
    [0x202a, 0x202e],
    [0x2060, 0x2064],
    [0x206a, 0x206f],
    [0x3164],
    [0xfeff],
    [0xffa0],
  ]
    .map((r) => r.map((c) => `\\u${c.toString(16).padStart(4, '0')}`).join('-'))
    .join('')}]`,
  'g',
);
/** Combining marks (accents) left by NFKD; built from code points, a class of marks reads as misleading. */
const COMBINING = new RegExp(
  `[${[
    [0x300, 0x36f],
    [0x1ab0, 0x1aff],
    [0x1dc0, 0x1dff],
    [0x20d0, 0x20ff],
    [0xfe20, 0xfe2f],
  ]
    .map((r) => r.map((c) => `\\u${c.toString(16).padStart(4, '0')}`).join('-'))
    .join('')}]`,
  'g',
);

/**
 * Marks from other scripts stacked on Latin letters ("Aܿcܿcܿoܿuܿnܿt", Syriac marks): a reader sees
 * the word, so the lexicons must too. Marks on the letters of their own script are kept.
 */
const FOREIGN_MARKS_ON_LATIN = /([\p{Script=Latin}0-9])\p{Mn}+/gu;

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

export function hasInvisible(s: string): boolean {
  INVISIBLE.lastIndex = 0;
  return INVISIBLE.test(s);
}

/** Every confusable character in one class: one native scan instead of a loop over each character. */
const CONFUSABLE_CHARS = new RegExp(
  `[${Object.keys(CONFUSABLE)
    .map((c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`)
    .join('')}]`,
  'gu',
);

function mapConfusables(s: string): string {
  return s.replace(CONFUSABLE_CHARS, (ch) => CONFUSABLE[ch] ?? ch);
}

/** For lexicon matching: NFKD, lower case, accents and invisibles dropped, confusables mapped. */
export function foldText(s: string): string {
  if (!s) return '';
  if (isAscii(s)) return s.toLowerCase();
  return mapConfusables(
    s
      .normalize('NFKD')
      .replace(COMBINING, '')
      .replace(FOREIGN_MARKS_ON_LATIN, '$1')
      .replace(INVISIBLE, '')
      .toLowerCase(),
  );
}

/**
 * Skeleton of a domain label for lookalike comparison: confusables folded, then the digit and
 * letter-pair swaps common in spoofed domains (rn→m, vv→w, 0→o, 1→l, 5→s…), hyphens dropped.
 */
export function skeleton(label: string): string {
  return foldText(label.normalize('NFKC'))
    .replace(/rn/g, 'm')
    .replace(/vv/g, 'w')
    .replace(/cl/g, 'd')
    .replace(/0/g, 'o')
    .replace(/[1!|i]/g, 'l')
    .replace(/5/g, 's')
    .replace(/3/g, 'e')
    .replace(/4/g, 'a')
    .replace(/-/g, '');
}

// Two rows reused by every call: lookalike checks compare each domain with hundreds of names.
let rowA = new Int32Array(128);
let rowB = new Int32Array(128);

/** Levenshtein distance with an early exit above `max`. */
export function editDistance(a: string, b: string, max = 3): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  if (b.length >= rowA.length) {
    rowA = new Int32Array(b.length + 1);
    rowB = new Int32Array(b.length + 1);
  }
  let prev = rowA;
  let cur = rowB;
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const cost = ca === b.charCodeAt(j - 1) ? 0 : 1;
      const v = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prev, cur] = [cur, prev];
  }
  return prev[b.length] as number;
}

/** Decodes an IDNA `xn--` label (RFC 3492 Punycode); returns the input when it is not valid. */
export function punycodeToUnicode(label: string): string {
  if (!label.startsWith('xn--')) return label;
  const input = label.slice(4);
  const base = 36;
  const tMin = 1;
  const tMax = 26;
  const skew = 38;
  const damp = 700;
  let n = 128;
  let bias = 72;
  let i = 0;
  const basicEnd = input.lastIndexOf('-');
  const output: number[] = [];
  for (let j = 0; j < Math.max(0, basicEnd); j++) output.push(input.charCodeAt(j));
  const adapt = (delta: number, numPoints: number, first: boolean): number => {
    let d = first ? Math.floor(delta / damp) : delta >> 1;
    d += Math.floor(d / numPoints);
    let k = 0;
    while (d > ((base - tMin) * tMax) >> 1) {
      d = Math.floor(d / (base - tMin));
      k += base;
    }
    return k + Math.floor(((base - tMin + 1) * d) / (d + skew));
  };
  let idx = basicEnd > 0 ? basicEnd + 1 : 0;
  while (idx < input.length) {
    const oldi = i;
    let w = 1;
    for (let k = base; ; k += base) {
      if (idx >= input.length) return label;
      const c = input.charCodeAt(idx++);
      const digit =
        c >= 48 && c <= 57 ? c - 22 : c >= 65 && c <= 90 ? c - 65 : c >= 97 && c <= 122 ? c - 97 : base;
      if (digit >= base) return label;
      i += digit * w;
      const t = k <= bias ? tMin : k >= bias + tMax ? tMax : k - bias;
      if (digit < t) break;
      w *= base - t;
      if (w > 1e9) return label;
    }
    bias = adapt(i - oldi, output.length + 1, oldi === 0);
    n += Math.floor(i / (output.length + 1));
    i %= output.length + 1;
    if (n > 0x10ffff) return label;
    output.splice(i, 0, n);
    i++;
  }
  try {
    return String.fromCodePoint(...output);
  } catch {
    return label;
  }
}

/** Latin letters that languages write natively and that do not decompose to an ASCII base. */
const NATIVE_LATIN = /[ßæøœłđ]/u;
/**
 * Lower-case Cyrillic and Greek letters confusable with Latin ones (UTS #39): a label made only of
 * these imitates a Latin name (аррӏе); one with any other letter of its script is a word (тема).
 */
const LATIN_LOOKALIKES = /^[асԁеһіјӏорԛѕԝхуαικνορυχ\d-]+$/u;
const EAST_ASIAN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/**
 * Whether an internationalised host name could be a homograph, in the spirit of browsers' IDN
 * display policies: a label styled with compatibility characters (𝐚𝐦𝐚𝐳𝐨𝐧), one mixing Latin with
 * Cyrillic or Greek, one made only of Latin lookalikes (аррӏе), Latin letters without an ASCII base
 * (ð, ı), symbols, or an `xn--` label that is not valid Punycode. A name written natively
 * (ökoligenta.de, straße.de, пример.рф, 例え.jp) is not.
 */
export function homographRisk(host: string): boolean {
  for (const raw of host.split('.')) {
    if (/^[\x20-\x7e]*$/.test(raw) && !raw.startsWith('xn--')) continue;
    const label = punycodeToUnicode(raw);
    if (label === raw && raw.startsWith('xn--')) return true;
    if (label.normalize('NFKC') !== label.normalize('NFC')) return true;
    const scripts = new Set<string>();
    for (const ch of label.normalize('NFC')) {
      if (/[a-z0-9-]/i.test(ch)) scripts.add('ascii');
      else if (/\p{Script=Latin}/u.test(ch)) {
        const base = ch.normalize('NFD').replace(/\p{M}+/gu, '');
        if (!/^[a-z]$/i.test(base) && !NATIVE_LATIN.test(ch)) return true;
        scripts.add('latin');
      } else if (/\p{Script=Cyrillic}/u.test(ch)) scripts.add('cyrillic');
      else if (/\p{Script=Greek}/u.test(ch)) scripts.add('greek');
      else if (EAST_ASIAN.test(ch)) scripts.add('east-asian');
      else if (/\p{L}/u.test(ch)) scripts.add('other');
      else return true; // symbols, emoji, stray marks
    }
    const alphabets = [...scripts].filter((s) => s !== 'ascii' && s !== 'latin');
    if (alphabets.length > 1) return true;
    const lookalikeScript = alphabets[0] === 'cyrillic' || alphabets[0] === 'greek';
    if (lookalikeScript && (scripts.has('latin') || /[a-z]/i.test(label))) return true;
    if (LATIN_LOOKALIKES.test(label)) return true;
  }
  return false;
}
