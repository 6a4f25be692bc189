import type { AnalysisContext, FindingFamily, Severity } from '../analysis.ts';
import type { MessageView } from '../features.ts';

/** What a rule reports when it fires: what it saw (masked by the rule) and how strongly, 0–1. */
export interface RuleHit {
  readonly evidence: string;
  /** Multiplies the rule's weight; 1 when omitted. */
  readonly strength?: number;
}

/** A detection as code: stable id, description, expert weight (logit units), and a pure check. */
export interface Rule {
  readonly id: string;
  readonly family: FindingFamily;
  readonly severity: Severity;
  readonly description: string;
  /** Prior weight in logit units; the trained model may refine it (see model/). */
  readonly weight: number;
  /**
   * Kept out of the learned model; always uses its expert weight. For rules that read what an
   * authentication header states (the corpus has such headers only on phishing) and for any
   * rule whose corpus frequency is driven by the era gap rather than by phishing.
   */
  readonly expertOnly?: boolean;
  /**
   * The lexicon whose phrases this rule weighs wherever they stand, subject or body: when the rule
   * fires, the learned vocabulary does not read those phrases a second time.
   */
  readonly phrases?: readonly RegExp[];
  evaluate(view: MessageView, context: AnalysisContext): RuleHit | null;
}

export const defineRule = (rule: Rule): Rule => rule;
