/**
 * The lexicon gates (gate.ts) skip a pattern only when none of the words it must start with occur.
 * A wrong gate would silently blind a rule, so soundness is checked on every lexicon pattern
 * against every fixture and, when ../shared/corpus is present, a quarter of the dev corpus.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildView } from '#core/detection/features.ts';
import { gateKeys, mayMatch, wordStartsIn, wordStartsOf } from '#core/detection/gate.ts';
import * as language from '#core/detection/rules/language.ts';
import { parseEmail } from '#core/email/parse-email.ts';
import { describe, expect, it } from 'vitest';

const lexicons = Object.values(language).filter(
  (x): x is readonly RegExp[] => Array.isArray(x) && x[0] instanceof RegExp,
);

describe('lexicon gates', () => {
  it('reads the words a match must start with, and gives none when unsure', () => {
    expect(wordStartsOf(/\b(casino|free spins?)\b/)).toEqual(['cas', 'fre']);
    // the least common word of a leading run: not "your"/"the"
    expect(wordStartsOf(/\b(your|the) (photos|files) (will be|are) deleted/)).toEqual(['pho', 'fil']);
    expect(wordStartsOf(/\bi (got|found) your e-?mail/)).toEqual(['got', 'fou']);
    expect(wordStartsOf(/\bspins?\b/)).toEqual(['spi']);
    expect(wordStartsOf(/\bab?c/)).toBeNull(); // optional letter inside the prefix
    expect(wordStartsOf(/(?:€|\$)\s?\d+/)).toBeNull(); // no word start
    expect(wordStartsOf(/casino/)).toBeNull(); // may match inside a word
    expect(wordStartsOf(/\b(urgent )?notice/)).toBeNull(); // optional leading group
    expect(wordStartsOf(/\bcasino/i)).toBeNull(); // case-blind patterns are not gated
    // an optional space does not make the next word start a word
    expect(wordStartsOf(/\b(your) ?(photos|files)/)).toEqual(['you']);
    expect(wordStartsOf(/\bi ?got/)).toBeNull();
  });

  it('lets a text through only when it has one of the words', () => {
    const gate = gateKeys(wordStartsOf(/\b(casino|jackpot)\b/));
    expect(mayMatch(gate, wordStartsIn('win the jackpot tonight'))).toBe(true);
    expect(mayMatch(gate, wordStartsIn('the library opens at nine'))).toBe(false);
    expect(mayMatch(null, wordStartsIn('anything'))).toBe(true);
  });

  it('gates most lexicon patterns', () => {
    const all = lexicons.flat();
    const gated = all.filter((re) => wordStartsOf(re) !== null);
    expect(gated.length / all.length).toBeGreaterThan(0.75);
  });

  it('never skips a text that a lexicon pattern matches (fixtures and corpus)', async () => {
    const fixtures = join(import.meta.dirname, '../../fixtures');
    const files: string[] = [];
    for (const sub of ['ham', ...readdirSync(join(fixtures, 'rules')).map((d) => `rules/${d}`)]) {
      const dir = join(fixtures, sub);
      if (!existsSync(dir) || sub.endsWith('.py') || sub.endsWith('.png')) continue;
      for (const f of readdirSync(dir)) if (f.endsWith('.eml')) files.push(join(dir, f));
    }
    const corpus = join(import.meta.dirname, '../../../../shared/corpus');
    if (existsSync(join(corpus, 'manifest.csv'))) {
      const rows = readFileSync(join(corpus, 'manifest.csv'), 'utf8').trim().split(/\r?\n/).slice(1);
      for (const [i, row] of rows.entries())
        if (i % 4 === 0) files.push(join(corpus, row.split(',')[0] ?? ''));
    }
    let checked = 0;
    for (const file of files) {
      const text = buildView(await parseEmail(new Uint8Array(readFileSync(file)))).folded;
      for (const re of lexicons.flat()) {
        re.lastIndex = 0;
        if (re.test(text)) {
          checked++;
          expect(
            mayMatch(gateKeys(wordStartsOf(re)), wordStartsIn(text)),
            `${re.source.slice(0, 40)} on ${file}`,
          ).toBe(true);
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
  }, 120_000);
});
