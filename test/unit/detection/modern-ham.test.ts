/**
 * Modern legitimate mail the 2002 corpus lacks (DKIM-signed newsletters with tracking links,
 * receipts, SaaS security notices, shipping notices, password resets, mailing lists) must be
 * allowed, with and without its authentication headers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseEmail, defaultThresholds } from '#core/detection/engine.ts';
import { stripLeaksRaw } from '#core/detection/leaks.ts';
import { parseEmail } from '#core/email/parse-email.ts';
import { describe, expect, it } from 'vitest';

const dir = join(import.meta.dirname, '../../fixtures/ham');
const files = readdirSync(dir).filter((f) => f.endsWith('.eml'));

describe('modern legitimate mail', () => {
  it('has fixtures', () => expect(files.length).toBeGreaterThanOrEqual(8));
  for (const f of files) {
    it(`allows ${f}`, async () => {
      const raw = new Uint8Array(readFileSync(join(dir, f)));
      const a = analyseEmail(await parseEmail(raw));
      expect(a.verdict, JSON.stringify(a.findings)).toBe('allow');
      const stripped = analyseEmail(await parseEmail(stripLeaksRaw(raw)));
      expect(stripped.score, JSON.stringify(stripped.findings)).toBeLessThan(defaultThresholds.block);
    });
  }
});
