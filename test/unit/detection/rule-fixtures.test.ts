/**
 * Detections as code: every rule has at least one positive and one negative fixture under
 * test/fixtures/rules/<rule-id>/ (pos*.eml must make the rule fire, neg*.eml must not).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateRules } from '#core/detection/engine.ts';
import { allRules } from '#core/detection/rules/index.ts';
import { parseEmail } from '#core/email/parse-email.ts';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../fixtures/rules');
const dirs = new Set(
  readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name),
);

const fired = async (file: string) =>
  evaluateRules(await parseEmail(new Uint8Array(readFileSync(file)))).map((o) => o.rule.id);

describe('rule fixtures', () => {
  it('every rule has an id, a description and a fixture folder; every folder names a rule', () => {
    for (const rule of allRules) {
      expect(rule.id).toMatch(/^[a-z]+\.[a-z0-9-]+$/);
      expect(rule.id.split('.')[0]).toBe(rule.family);
      expect(rule.description.length).toBeGreaterThan(20);
      expect(dirs, `missing fixtures for ${rule.id}`).toContain(rule.id);
    }
    expect(new Set(allRules.map((r) => r.id)).size).toBe(allRules.length);
    for (const d of dirs) expect(allRules.map((r) => r.id)).toContain(d);
  });

  for (const rule of allRules) {
    describe(rule.id, () => {
      const files = dirs.has(rule.id) ? readdirSync(join(root, rule.id)) : [];
      const pos = files.filter((f) => f.startsWith('pos') && f.endsWith('.eml'));
      const neg = files.filter((f) => f.startsWith('neg') && f.endsWith('.eml'));
      it('has at least one positive and one negative fixture', () => {
        expect(pos.length).toBeGreaterThan(0);
        expect(neg.length).toBeGreaterThan(0);
      });
      for (const f of pos) {
        it(`fires on ${f}`, async () => {
          expect(await fired(join(root, rule.id, f))).toContain(rule.id);
        });
      }
      for (const f of neg) {
        it(`stays silent on ${f}`, async () => {
          expect(await fired(join(root, rule.id, f))).not.toContain(rule.id);
        });
      }
    });
  }
});
