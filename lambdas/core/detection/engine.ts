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
import { unwrapForward } from '#core/email/forwarded.ts';
import type { ParsedEmail } from '#core/email/parsed-email.ts';
import type {
  Analysis,
  AnalysisContext,
  Finding,
  ReceiptVerdict,
  ReceiptVerdicts,
  Verdict,
  VerdictThresholds,
} from './analysis.ts';
import { buildView, type MessageView } from './features.ts';
import { wordStartsIn } from './gate.ts';
import { VOCABULARY_CAP } from './learn.ts';
import { lexicalFeaturesFolded } from './lexical.ts';
import model from './model/model.json' with { type: 'json' };
import { allRules } from './rules/index.ts';
import { withoutLexiconPhrases } from './rules/language.ts';
import type { Rule, RuleHit } from './rules/rule.ts';

export const ENGINE_VERSION = '0.1.0';

export const defaultThresholds: VerdictThresholds = { quarantine: 50, block: 80 };

/** The trained artifact (see scripts/train.ts and learn.ts). */
export interface ModelArtifact {
  readonly format: number;
  readonly name: string;
  readonly bias: number;
  /** Learned logit weight per rule id (rules absent here use their expert weight). */
  readonly weights: Readonly<Record<string, number>>;
  /** Learned weight per lure-vocabulary feature (`subj:<concept>` / `body:<concept>`), see lexical.ts. */
  readonly lexical?: Readonly<Record<string, number>>;
  readonly [extra: string]: unknown;
}

export interface RuleOutcome {
  readonly rule: Rule;
  readonly hit: RuleHit;
}

/** Runs every rule on a message: what fired and how strongly, before any weighting. */
export function evaluateRules(email: ParsedEmail, context: AnalysisContext = {}): RuleOutcome[] {
  return evaluateView(buildView(email), context);
}

export interface Extracted {
  readonly outcomes: RuleOutcome[];
  readonly lexical: Set<string>;
}

/** Everything the model reads from one message: rule outcomes and lure-vocabulary features. */
export function extract(email: ParsedEmail, context: AnalysisContext = {}): Extracted {
  const view = buildView(email);
  const outcomes = evaluateView(view, context);
  const weighed = outcomes.flatMap(({ rule }) => rule.phrases ?? []);
  return { outcomes, lexical: vocabularyOf(view, weighed) };
}

/**
 * The vocabulary's reading of a message: a phrase a rule that fired already weighs (its
 * `phrases`: "Action required:", "if you do not confirm", "Claim your reward") is not counted a
 * second time as lure words. The words elsewhere in the message still count.
 */
function vocabularyOf(view: MessageView, weighed: readonly RegExp[]): Set<string> {
  if (weighed.length === 0) return lexicalFeaturesFolded(view.subjectFolded, view.bodyFolded);
  const starts = wordStartsIn(`${view.subjectFolded} ${view.bodyFolded}`);
  return lexicalFeaturesFolded(
    withoutLexiconPhrases(view.subjectFolded, weighed, starts),
    withoutLexiconPhrases(view.bodyFolded, weighed, starts),
  );
}

/** SES verdict → the lower-case result vocabulary of Authentication-Results; null when undecided. */
const receiptResult = (verdict: ReceiptVerdict): string | null =>
  verdict === 'PASS' ? 'pass' : verdict === 'FAIL' ? 'fail' : verdict === 'GRAY' ? 'none' : null;

/**
 * What the receiving server itself found (SES inbound) replaces what the headers claim: a
 * sender can write any Authentication-Results or X-SES-* header into its message, but not the
 * verdicts SES hands over beside it. Rules read one view either way.
 */
export function withReceipt(view: MessageView, receipt: ReceiptVerdicts | undefined): MessageView {
  if (!receipt) return view;
  return {
    ...view,
    auth: {
      ...view.auth,
      spf: receiptResult(receipt.spf),
      dkim: receiptResult(receipt.dkim),
      dmarc: receiptResult(receipt.dmarc),
      sesSpam: receiptResult(receipt.spam),
      sesVirus: receiptResult(receipt.virus),
      dmarcPolicy: null,
    },
  };
}

function evaluateView(stated: MessageView, context: AnalysisContext): RuleOutcome[] {
  const view = withReceipt(stated, context.receipt);
  const out: RuleOutcome[] = [];
  for (const rule of allRules) {
    try {
      const hit = rule.evaluate(view, context);
      if (hit) out.push({ rule, hit });
    } catch {
      // a broken rule must not take the verdict down with it
    }
  }
  return out;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const round2 = (x: number) => Math.round(x * 100) / 100;

export function verdictFor(score: number, thresholds: VerdictThresholds = defaultThresholds): Verdict {
  if (score >= thresholds.block) return 'block';
  if (score >= thresholds.quarantine) return 'quarantine';
  return 'allow';
}

export function versionOf(model: ModelArtifact): string {
  const hash = createHash('sha256').update(JSON.stringify(model)).digest('hex').slice(0, 12);
  return `engine-${ENGINE_VERSION}+model-${hash}`;
}

export type Analyser = (email: ParsedEmail, context?: AnalysisContext) => Analysis;

/** An engine bound to one model artifact (the benchmark scores each fold with its own). */
export function createEngine(model: ModelArtifact): Analyser {
  const version = versionOf(model);
  return (email, context = {}) => {
    let { findings, logit } = weigh(model, email, context);
    // An inline forward is also scored as the message it forwards; the worse of the two counts.
    // The receipt verdicts are about the forwarder's hop, not the original sender's.
    const original = forwardedOriginal(email);
    if (original) {
      const inner = weigh(model, original, { ...context, receipt: undefined });
      if (inner.logit > logit) {
        logit = inner.logit;
        findings = inner.findings.map((f) => ({ ...f, evidence: `forwarded message: ${f.evidence}` }));
      }
    }
    const score = Math.max(0, Math.min(100, Math.round(100 * sigmoid(logit))));
    return {
      score,
      verdict: verdictFor(score, context.thresholds ?? defaultThresholds),
      findings: findings.sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight) || a.id.localeCompare(b.id)),
      modelVersion: version,
    };
  };
}

function forwardedOriginal(email: ParsedEmail): ParsedEmail | null {
  try {
    return unwrapForward(email);
  } catch {
    return null;
  }
}

/** The findings for one message and the logit they add up to. */
function weigh(
  model: ModelArtifact,
  email: ParsedEmail,
  context: AnalysisContext,
): { findings: Finding[]; logit: number } {
  let findings: Finding[];
  try {
    const { outcomes, lexical } = extract(email, context);
    findings = outcomes.map(({ rule, hit }) => {
      const learned = rule.expertOnly ? undefined : model.weights[rule.id];
      return {
        id: rule.id,
        family: rule.family,
        severity: rule.severity,
        weight: round2((learned ?? rule.weight) * (hit.strength ?? 1)),
        evidence: hit.evidence,
      };
    });
    // A rule the model weighs at zero did not drive the score: leave it out of the explanation.
    findings = findings.filter((f) => f.weight !== 0);
    const vocabulary = vocabularyFinding(lexical, model.lexical);
    if (vocabulary) findings.push(vocabulary);
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
  return { findings, logit: model.bias + findings.reduce((sum, f) => sum + f.weight, 0) };
}

/** One finding for the learned vocabulary weights, naming the concepts that weighed most. */
function vocabularyFinding(
  lexical: ReadonlySet<string>,
  weights: Readonly<Record<string, number>> | undefined,
): Finding | null {
  if (!weights || lexical.size === 0) return null;
  const parts: [string, number][] = [];
  let sum = 0;
  for (const f of lexical) {
    const w = weights[f];
    if (w) {
      sum += w;
      parts.push([f, w]);
    }
  }
  if (Math.abs(sum) < 0.05) return null;
  // The vocabulary is one signal, learned from an old corpus: however many lure words a message
  // uses, together they weigh no more than one medium rule, so on unfamiliar mail they cannot
  // quarantine alone. Uncapped, an ordinary order confirmation ("your package", "payment",
  // "account", "pending", "Dear") summed to 4.5 and was quarantined without any rule firing.
  sum = Math.min(sum, VOCABULARY_CAP);
  parts.sort((a, b) => (sum > 0 ? b[1] - a[1] : a[1] - b[1]));
  const top = parts.slice(0, 5).map(([f, w]) => `${f} ${w > 0 ? '+' : ''}${w.toFixed(1)}`);
  return {
    id: sum > 0 ? 'model.lure-vocabulary' : 'model.benign-vocabulary',
    family: 'model',
    severity: sum > 1.5 ? 'medium' : sum > 0 ? 'low' : 'info',
    weight: round2(sum),
    evidence: `learned vocabulary: ${top.join(', ')}`,
  };
}

export const defaultModel = model as ModelArtifact;
export const modelVersion = versionOf(defaultModel);

const defaultEngine = createEngine(defaultModel);

/** Analyses one message with the committed model. Never throws. */
export function analyseEmail(email: ParsedEmail, context: AnalysisContext = {}): Analysis {
  return defaultEngine(email, context);
}
