/**
 * Training the compact model: L2-regularised logistic regression over rule strengths, with each
 * rule's weight pulled towards its expert prior (MAP with a Gaussian prior centred on the
 * expert weight). Rules that never fire in training keep their expert weight; the intercept is
 * learned. Rules that read stated authentication results are never trained (the corpus has
 * such headers only on phishing). Full-batch Newton steps: deterministic, no randomness.
 *
 * Before features are extracted, training strips the corpus' era artefacts from each message
 * (`stripLeaksParsed`), so nothing learned can depend on them.
 */
import type { ParsedEmail } from '#core/email/parsed-email.ts';
import type { Extracted, ModelArtifact } from './engine.ts';
import { lexicalFeatureNames } from './lexical.ts';
import { isLeakHeader, rewriteLeakAddresses } from './leaks.ts';
import type { Severity } from './analysis.ts';
import { allRules } from './rules/index.ts';

export interface TrainingSample {
  /** Rule strengths by id, from `sampleFeatures`. */
  readonly features: Readonly<Record<string, number>>;
  readonly label: 0 | 1;
}

export interface TrainOptions {
  /** Prior precision: larger keeps weights closer to the expert values. */
  readonly lambda?: number;
  /** Prior precision for the vocabulary weights (prior mean 0). */
  readonly lambdaLexical?: number;
  readonly iterations?: number;
  readonly name?: string;
  readonly trainedOn?: string;
  /** Lower bound for learned weights of rules with a positive prior (no sign flips); a quarter of the prior applies too. */
  readonly minWeight?: number;
  /**
   * Cost of a legitimate message relative to a phishing one. Above 1 the model prefers missing a
   * phish to flagging a legitimate message (the FPR budget is far tighter than its recall
   * budget); scores are then calibrated to that cost-weighted prior.
   */
  readonly hamWeight?: number;
}

const trainable = allRules.filter((r) => !r.expertOnly);

/**
 * Upper bound of a learned rule weight by severity. Robustness over fit: on mail unlike the
 * corpus, no single low or medium signal may carry a message past the quarantine threshold on
 * its own, however well it separated the training set.
 */
export const weightCap: Readonly<Record<Severity, number>> = {
  info: 1,
  low: 1.6,
  medium: 2.2,
  high: 3,
  critical: 5,
};

/**
 * Lowest learned weight of a vocabulary word. Every word on the list is about what a lure asks
 * or promises; a word may learn that legitimate mail uses it too, but not so strongly that pasting
 * it into a lure buys the lure out of its signals (an unbounded floor let "details" reach -1.2).
 */
const LEXICAL_FLOOR = 0.5;

/**
 * Most the learned vocabulary may add to a message's logit, summed over its words: it is one
 * signal, and on unfamiliar mail one medium signal alone may not quarantine. Scoring applies it
 * (`engine.ts`) and training fits the model under it.
 */
export const VOCABULARY_CAP = weightCap.medium;

/** Removes leak headers and rewrites collection addresses in a parsed message. */
export function stripLeaksParsed(email: ParsedEmail): ParsedEmail {
  const addr = <T extends { name: string; address: string }>(a: T): T => ({
    ...a,
    name: rewriteLeakAddresses(a.name),
    address: rewriteLeakAddresses(a.address),
  });
  return {
    ...email,
    headers: email.headers
      .filter((h) => !isLeakHeader(h.name))
      .map((h) => ({ name: h.name, value: rewriteLeakAddresses(h.value) })),
    from: email.from ? addr(email.from) : null,
    sender: email.sender ? addr(email.sender) : null,
    replyTo: email.replyTo.map(addr),
    to: email.to.map(addr),
    cc: email.cc.map(addr),
    bcc: email.bcc.map(addr),
    returnPath: email.returnPath ? rewriteLeakAddresses(email.returnPath) : null,
    text: rewriteLeakAddresses(email.text),
    html: rewriteLeakAddresses(email.html),
    subject: rewriteLeakAddresses(email.subject),
  };
}

/** The trainable feature vector of one message: rule strengths and lure-vocabulary features. */
export function sampleFeatures(extracted: Extracted): Record<string, number> {
  const f: Record<string, number> = {};
  for (const { rule, hit } of extracted.outcomes) if (!rule.expertOnly) f[rule.id] = hit.strength ?? 1;
  for (const name of extracted.lexical) f[name] = 1;
  return f;
}

/** Solves A x = b (A symmetric positive definite, small) by Gaussian elimination with pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] ?? 0]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]?.[c] ?? 0) > Math.abs(m[p]?.[c] ?? 0)) p = r;
    [m[c], m[p]] = [m[p] as number[], m[c] as number[]];
    const pivot = m[c]?.[c] ?? 0;
    if (Math.abs(pivot) < 1e-12) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = (m[r]?.[c] ?? 0) / pivot;
      if (f === 0) continue;
      const row = m[r] as number[];
      const src = m[c] as number[];
      for (let k = c; k <= n; k++) row[k] = (row[k] ?? 0) - f * (src[k] ?? 0);
    }
  }
  return m.map((row, i) => {
    const d = row[i] ?? 0;
    return Math.abs(d) < 1e-12 ? 0 : (row[n] ?? 0) / d;
  });
}

export function trainModel(samples: readonly TrainingSample[], options: TrainOptions = {}): ModelArtifact {
  const lambda = options.lambda ?? 2;
  const hamWeight = options.hamWeight ?? 3;
  const iterations = options.iterations ?? 40;
  const lambdaLexical = options.lambdaLexical ?? 4;
  const ruleCount = trainable.length;
  const ids = [...trainable.map((r) => r.id), ...lexicalFeatureNames];
  const prior = [...trainable.map((r) => r.weight), ...lexicalFeatureNames.map(() => 0)];
  const precision = ids.map((_, j) => (j < ruleCount ? lambda : lambdaLexical));
  const cap = ids.map((_, j) => {
    const rule = trainable[j];
    return rule ? Math.max(rule.weight, weightCap[rule.severity]) : 1.5;
  });
  const d = ids.length + 1; // last = intercept
  const x = samples.map((s) => {
    const row = ids.map((id) => s.features[id] ?? 0);
    row.push(1);
    return row;
  });
  const y = samples.map((s) => s.label);
  const fired = ids.map((_, j) => x.some((row) => (row[j] ?? 0) !== 0));
  const minWeight = options.minWeight ?? 0;
  // Bounds: rules with a positive prior never flip sign; every weight is capped by severity.
  // A rule keeps at least a quarter of its expert weight: a biased corpus may shrink, not erase, it.
  const lower = ids.map((_, j) =>
    j >= ruleCount
      ? -LEXICAL_FLOOR
      : (prior[j] ?? 0) > 0
        ? Math.max(minWeight, 0.25 * (prior[j] ?? 0))
        : -(cap[j] ?? 5),
  );
  const upper = ids.map((_, j) => cap[j] ?? 5);
  const w = [...prior.map((p, j) => Math.min(upper[j] ?? p, Math.max(lower[j] ?? p, p))), -2];
  // Fitted as scored: the vocabulary's sum adds at most VOCABULARY_CAP to a message's logit, so
  // more lure words past it cannot make a message more of a lure.
  const logitOf = (row: readonly number[], weights: readonly number[]) => {
    let z = 0;
    let vocabulary = 0;
    for (let j = 0; j < d; j++) {
      const term = (weights[j] ?? 0) * (row[j] ?? 0);
      if (j >= ruleCount && j < d - 1) vocabulary += term;
      else z += term;
    }
    const capped = vocabulary > VOCABULARY_CAP;
    return { z: z + (capped ? VOCABULARY_CAP : vocabulary), capped };
  };
  const objective = (weights: readonly number[]) => {
    let loss = 0;
    x.forEach((row, i) => {
      const { z } = logitOf(row, weights);
      const margin = y[i] === 1 ? z : -z;
      const c = y[i] === 1 ? 1 : hamWeight;
      loss += c * (margin > 0 ? Math.log1p(Math.exp(-margin)) : Math.log1p(Math.exp(margin)) - margin);
    });
    for (let j = 0; j < d - 1; j++)
      loss += ((precision[j] ?? lambda) / 2) * ((weights[j] ?? 0) - (prior[j] ?? 0)) ** 2;
    return loss;
  };
  for (let it = 0; it < iterations; it++) {
    const grad = new Array<number>(d).fill(0);
    const hess = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    for (let i = 0; i < x.length; i++) {
      const row = x[i] as number[];
      const { z, capped } = logitOf(row, w);
      // Past the cap the vocabulary adds a constant: its words get no gradient from this message.
      const active = (j: number) => !capped || j < ruleCount || j === d - 1;
      const p = 1 / (1 + Math.exp(-z));
      const c = y[i] === 1 ? 1 : hamWeight;
      const r = c * (p - (y[i] ?? 0));
      const s = c * Math.max(p * (1 - p), 1e-6);
      for (let j = 0; j < d; j++) {
        const xj = row[j] ?? 0;
        if (xj === 0 || !active(j)) continue;
        grad[j] = (grad[j] ?? 0) + r * xj;
        const hj = hess[j] as number[];
        for (let k = 0; k < d; k++) {
          const xk = row[k] ?? 0;
          if (xk !== 0 && active(k)) hj[k] = (hj[k] ?? 0) + s * xj * xk;
        }
      }
    }
    for (let j = 0; j < d - 1; j++) {
      const lj = precision[j] ?? lambda;
      grad[j] = (grad[j] ?? 0) + lj * ((w[j] ?? 0) - (prior[j] ?? 0));
      const hj = hess[j] as number[];
      hj[j] = (hj[j] ?? 0) + lj;
    }
    const hi = hess[d - 1] as number[];
    hi[d - 1] = (hi[d - 1] ?? 0) + 1e-6;
    // Active set: a weight sitting on a bound with the gradient pushing it further out stays
    // there, and the Newton step is solved for the free weights only (projected Newton).
    for (let j = 0; j < d - 1; j++) {
      const wj = w[j] ?? 0;
      const g = grad[j] ?? 0;
      const atLower = (lower[j] ?? -Infinity) === wj && g > 0;
      const atUpper = (upper[j] ?? Infinity) === wj && g < 0;
      if (!atLower && !atUpper) continue;
      grad[j] = 0;
      for (let k = 0; k < d; k++) {
        (hess[j] as number[])[k] = 0;
        (hess[k] as number[])[j] = 0;
      }
      (hess[j] as number[])[j] = 1;
    }
    const step = solve(hess, grad);
    // The cap puts a kink in the objective, where full Newton steps can swing back and forth:
    // halve the step until the objective does not rise.
    const before = objective(w);
    let next: number[] | null = null;
    for (let t = 1; t > 1e-3 && !next; t /= 2) {
      const candidate = w.map((wj, j) => {
        const moved = wj - t * (step[j] ?? 0);
        return j < d - 1 ? Math.min(upper[j] ?? Infinity, Math.max(lower[j] ?? -Infinity, moved)) : moved;
      });
      if (objective(candidate) <= before) next = candidate;
    }
    if (!next) break;
    const moved = Math.max(...next.map((v, j) => Math.abs(v - (w[j] ?? 0))));
    w.splice(0, d, ...next);
    if (moved < 1e-6) break;
  }
  const weights: Record<string, number> = {};
  const lexical: Record<string, number> = {};
  ids.forEach((id, j) => {
    const value = Math.round((w[j] ?? 0) * 1000) / 1000;
    if (j < ruleCount) {
      if (fired[j]) weights[id] = value;
    } else if (fired[j] && Math.abs(value) >= 0.01) lexical[id] = value;
  });
  const positives = y.filter((v) => v === 1).length;
  return {
    format: 1,
    name: options.name ?? 'logreg-expert-prior',
    trainedOn: options.trainedOn ?? `${samples.length} messages (${positives} phishing)`,
    lambda,
    lambdaLexical,
    hamWeight,
    bias: Math.round((w[d - 1] ?? 0) * 1000) / 1000,
    weights,
    lexical,
  };
}
