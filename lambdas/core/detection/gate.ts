/**
 * Cheap gates for the lexicon patterns. A lexicon runs about a hundred regexes over up to 12 KiB
 * of folded text, and nearly all of them fail on nearly every message. Most patterns can only
 * match where a word starts with one of a few known letters ("\b(casino|free spins|jackpot)"):
 * the words of the text are read once, and a pattern whose first words are all absent is not run.
 *
 * The gate is read off the pattern's source and is conservative: whenever it cannot be sure what
 * a match must start with (a leading class, an optional group, no word boundary), it gives none
 * and the pattern always runs. A test checks that no gated pattern ever skips a text it matches.
 */

/** How many leading letters of a word the gate compares. */
const PREFIX = 3;

/** Prefixes (PREFIX letters) one of which starts a word in every match of `re`, or null if unknown. */
export function wordStartsOf(re: RegExp): readonly string[] | null {
  if (re.flags.includes('i') || re.flags.includes('u') || re.flags.includes('y')) return null;
  const starts = alternativesStarts(re.source, 0, re.source.length, false);
  return starts ? [...new Set(starts)] : null;
}

/** The end (exclusive) of the group opening at `open`, or -1. */
function groupEnd(src: string, open: number): number {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (c === '[') i = classEnd(src, i) - 1;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  return -1;
}

function classEnd(src: string, open: number): number {
  for (let i = open + 1; i < src.length; i++) {
    if (src[i] === '\\') i++;
    else if (src[i] === ']') return i + 1;
  }
  return src.length;
}

/** Splits src[from, to) at top-level `|` and reads each alternative's start. */
function alternativesStarts(src: string, from: number, to: number, atWordStart: boolean): string[] | null {
  const out: string[] = [];
  let start = from;
  let depth = 0;
  for (let i = from; i <= to; i++) {
    const c = src[i];
    if (i < to && c === '\\') {
      i++;
      continue;
    }
    if (i < to && c === '[') {
      i = classEnd(src, i) - 1;
      continue;
    }
    if (i < to && c === '(') depth++;
    else if (i < to && c === ')') depth--;
    else if (i === to || (c === '|' && depth === 0)) {
      const starts = alternativeStart(src, start, i, atWordStart);
      if (!starts) return null;
      out.push(...starts);
      start = i + 1;
    }
  }
  return out;
}

/** Words so common that a gate on them would let nearly every text through. */
const COMMON = new Set(
  'you your the our are thi for and all has hav wil bee wit fro not its any was can is in on a i to of'.split(
    ' ',
  ),
);
const isCommon = (starts: readonly string[]) => starts.some((w) => COMMON.has(w));

/**
 * What one alternative src[from, to) must start a word with. Every element of its leading run of
 * words separated by literal spaces starts a word, so the least common one is taken ("(your|the)
 * (photos|files)" gates on "pho"/"fil", not on "you"/"the").
 */
function alternativeStart(src: string, from: number, to: number, atWordStart: boolean): string[] | null {
  let i = from;
  let wordStart = atWordStart;
  if (src.startsWith('\\b', i)) {
    wordStart = true;
    i += 2;
  }
  if (!wordStart || i >= to) return null;
  let best: string[] | null = null;
  for (let element = 0; element < 4 && i < to; element++) {
    const read = elementStart(src, i, to);
    if (!read) break;
    if (!best || (isCommon(best) && !isCommon(read.starts))) best = read.starts;
    if (!isCommon(best) || !literalSpaceAt(src, read.end)) break;
    i = read.end + 1;
  }
  return best;
}

/** A space the pattern requires at src[i] (not made optional by a quantifier after it). */
const literalSpaceAt = (src: string, i: number): boolean =>
  src[i] === ' ' && !/^[?*{]/.test(src[i + 1] ?? '');

/** The word starts of one element (a group or a literal word) at src[i], and where it ends. */
function elementStart(src: string, i: number, to: number): { starts: string[]; end: number } | null {
  if (src[i] === '(') {
    const end = groupEnd(src, i);
    if (end < 0 || end > to || /^[?*{]/.test(src.slice(end, end + 1))) return null;
    const inner = src.startsWith('(?:', i) ? i + 3 : src[i + 1] === '?' ? -1 : i + 1;
    if (inner < 0) return null;
    const starts = alternativesStarts(src, inner, end - 1, true);
    return starts ? { starts, end } : null;
  }
  let run = '';
  let j = i;
  while (j < to && /[a-z0-9]/.test(src[j] ?? '')) run += src[j++];
  // A quantifier makes the letter before it optional ("spins?").
  if (/^[?*{]/.test(src[j] ?? ''))
    return run.length > PREFIX ? { starts: [run.slice(0, PREFIX)], end: j } : null;
  if (run.length >= PREFIX) return { starts: [run.slice(0, PREFIX)], end: j };
  // A short word counts only when it visibly ends ("i got", "ha ganado"): then it is a whole word.
  const ends =
    literalSpaceAt(src, j) ||
    src.startsWith('\\b', j) ||
    (src.startsWith('\\s', j) && !/^[?*{]/.test(src[j + 2] ?? ''));
  return run.length > 0 && ends ? { starts: [run], end: j } : null;
}

/** A word's first PREFIX letters as a number: a-z → 1-26, 0-9 → 27-36, missing → 0. */
const letterCode = (c: number): number => (c >= 97 && c <= 122 ? c - 96 : c >= 48 && c <= 57 ? c - 21 : 0);
const keyOf = (prefix: string): number => {
  let key = 0;
  for (let i = 0; i < PREFIX; i++)
    key = key * 37 + (i < prefix.length ? letterCode(prefix.charCodeAt(i)) : 0);
  return key;
};

/** The gate as keys, for mayMatch. */
export const gateKeys = (gate: readonly string[] | null): readonly number[] | null =>
  gate?.map(keyOf) ?? null;

/**
 * The word starts of one text, as marks in a shared table stamped with a generation number: no
 * allocation per message. Marks stay valid until the next text is read; a stale reading only
 * lets every pattern run.
 */
export interface WordStarts {
  readonly generation: number;
}
const marks = new Uint32Array(37 ** PREFIX);
let generation = 0;

/** Reads the word starts of a text once; every gated pattern for that text then costs a lookup. */
export function wordStartsIn(text: string): WordStarts {
  generation++;
  for (let i = 0; i < text.length; i++) {
    const first = letterCode(text.charCodeAt(i));
    if (!first || (i > 0 && letterCode(text.charCodeAt(i - 1)))) continue;
    let key = first;
    let j = i + 1;
    for (let n = 1; n < PREFIX; n++, j++) {
      const c = j < text.length ? letterCode(text.charCodeAt(j)) : 0;
      key = key * 37 + c;
      if (!c) {
        for (n++; n < PREFIX; n++) key *= 37;
        break;
      }
    }
    marks[key] = generation;
  }
  return { generation };
}

/** Whether a pattern could match the text: false only when none of the words it must start with occur. */
export function mayMatch(keys: readonly number[] | null, starts: WordStarts): boolean {
  if (!keys || starts.generation !== generation) return true;
  return keys.some((k) => marks[k] === generation);
}
