/**
 * Acceptance: a verdict on any corpus email names the findings that drove it. Runs over a
 * deterministic quarter of the dev corpus when ../shared/corpus is present (skipped otherwise).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseEmail } from '#core/detection/engine.ts';
import { parseEmail } from '#core/email/parse-email.ts';
import { describe, expect, it } from 'vitest';

const corpus = join(import.meta.dirname, '../../../../shared/corpus');
const present = existsSync(join(corpus, 'manifest.csv'));

describe.skipIf(!present)('corpus verdicts are explained', () => {
  it('every quarantined or blocked message lists positive findings that reach its score', async () => {
    const rows = readFileSync(join(corpus, 'manifest.csv'), 'utf8').trim().split(/\r?\n/).slice(1);
    let flagged = 0;
    for (const [i, line] of rows.entries()) {
      if (i % 4) continue;
      const file = line.split(',')[0] ?? '';
      const a = analyseEmail(await parseEmail(new Uint8Array(readFileSync(join(corpus, file)))));
      if (a.verdict === 'allow') continue;
      flagged++;
      const positive = a.findings.filter((f) => f.weight > 0);
      expect(positive.length, file).toBeGreaterThan(0);
      expect(a.findings[0]?.weight, file).toBeGreaterThan(0);
      for (const f of a.findings) expect(f.evidence.length, `${file} ${f.id}`).toBeGreaterThan(0);
    }
    expect(flagged).toBeGreaterThan(100);
  }, 120_000);
});
