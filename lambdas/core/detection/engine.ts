/**
 * The detection engine: ParsedEmail → Analysis. Synchronous, pure and deterministic.
 *
 * Each rule that fires contributes `weight × strength` in logit units; the trained model
 * (model/model.json) supplies the intercept and refined weights for the rules it learned,
 * the expert weight applies otherwise, and rules that read stated authentication results are
 * expert-only. score = round(100 · sigmoid(logit)). A finding's `weight` is its logit
 * contribution, so the findings list explains the score additively.
 */
import { createHash } from 'node:crypto';
import type { ParsedEmail } from '#core/email/parsed-email.ts';
import type { Analysis, AnalysisContext, Finding, Verdict, VerdictThresholds } from './analysis.ts';
import { buildView } from './features.ts';
import model from './model/model.json' with { type: 'json' };
import { allRules } from './rules/index.ts';

export const ENGINE_VERSION = '0.1.0';

export const defaultThresholds: VerdictThresholds = { quarantine: 50, block: 80 };

interface ModelArtifact {
  readonly format: number;
  readonly name: string;
  readonly bias: number;
  readonly weights: Readonly<Record<string, number>>;
}

const artifact = model as ModelArtifact;

export const modelHash = createHash('sha256').update(JSON.stringify(artifact)).digest('hex').slice(0, 12);
export const modelVersion = `engine-${ENGINE_VERSION}+model-${modelHash}`;

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const round2 = (x: number) => Math.round(x * 100) / 100;

export function verdictFor(score: number, thresholds: VerdictThresholds = defaultThresholds): Verdict {
  if (score >= thresholds.block) return 'block';
  if (score >= thresholds.quarantine) return 'quarantine';
  return 'allow';
}

/** Rule contributions (before the intercept) for one message; used by the engine and by training. */
export function ruleContributions(email: ParsedEmail, context: AnalysisContext = {}): Finding[] {
  const view = buildView(email);
  const findings: Finding[] = [];
  for (const rule of allRules) {
    let hit: ReturnType<typeof rule.evaluate>;
    try {
      hit = rule.evaluate(view, context);
    } catch {
      continue; // a broken rule must not take the verdict down with it
    }
    if (!hit) continue;
    const learned = rule.expertOnly ? undefined : artifact.weights[rule.id];
    const weight = (learned ?? rule.weight) * (hit.strength ?? 1);
    findings.push({
      id: rule.id,
      family: rule.family,
      severity: rule.severity,
      weight: round2(weight),
      evidence: hit.evidence,
    });
  }
  return findings;
}

export function analyseEmail(email: ParsedEmail, context: AnalysisContext = {}): Analysis {
  let findings: Finding[];
  try {
    findings = ruleContributions(email, context);
  } catch {
    findings = [
      {
        id: 'structure.engine-error',
        family: 'structure',
        severity: 'medium',
        weight: 0,
        evidence: 'the message could not be analysed in full',
      },
    ];
  }
  const logit = artifact.bias + findings.reduce((sum, f) => sum + f.weight, 0);
  const score = Math.max(0, Math.min(100, Math.round(100 * sigmoid(logit))));
  const ordered = [...findings].sort(
    (a, b) => Math.abs(b.weight) - Math.abs(a.weight) || a.id.localeCompare(b.id),
  );
  return {
    score,
    verdict: verdictFor(score, context.thresholds ?? defaultThresholds),
    findings: ordered,
    modelVersion,
  };
}
