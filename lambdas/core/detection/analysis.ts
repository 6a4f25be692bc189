/** What the detection engine answers for one message. */
export const verdicts = ['allow', 'quarantine', 'block'] as const;
export type Verdict = (typeof verdicts)[number];

export const findingFamilies = [
  'sender',
  'domain',
  'url',
  'html',
  'attachment',
  'language',
  'model',
  'structure',
] as const;
export type FindingFamily = (typeof findingFamilies)[number];

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';

export interface Finding {
  /** Stable rule id, e.g. `url.ip-host`. */
  readonly id: string;
  readonly family: FindingFamily;
  readonly severity: Severity;
  /** Contribution to the score (may be negative for reassuring evidence). */
  readonly weight: number;
  /** What fired, pointing at the header, URL or text span; personal data masked. */
  readonly evidence: string;
}

export interface Analysis {
  /** Calibrated phishing risk, 0 (benign) to 100 (certain phishing). */
  readonly score: number;
  readonly verdict: Verdict;
  /** Findings that drove the score, strongest first. */
  readonly findings: readonly Finding[];
  readonly modelVersion: string;
}

export interface VerdictThresholds {
  /** Score at or above which a message is quarantined. */
  readonly quarantine: number;
  /** Score at or above which a message is blocked. */
  readonly block: number;
}

/**
 * A verdict SES reached while receiving the message (its receipt rule has scanning on).
 * `GRAY`: no verdict either way; `PROCESSING_FAILED`: SES could not decide; `DISABLED`: the
 * check was off (spam and virus only).
 */
export type ReceiptVerdict = 'PASS' | 'FAIL' | 'GRAY' | 'PROCESSING_FAILED' | 'DISABLED';

/** What the receiving mail server (SES inbound) found before PhishX saw the message. */
export interface ReceiptVerdicts {
  readonly spam: ReceiptVerdict;
  readonly virus: ReceiptVerdict;
  readonly spf: ReceiptVerdict;
  readonly dkim: ReceiptVerdict;
  readonly dmarc: ReceiptVerdict;
  /** The sender domain's published DMARC policy, when DMARC failed and SES reports it. */
  readonly dmarcPolicy?: 'none' | 'quarantine' | 'reject';
}

export interface AnalysisContext {
  /** The tenant's own domains, for lookalike checks. */
  readonly tenantDomains?: readonly string[];
  /** Tenant overrides of the default thresholds. */
  readonly thresholds?: VerdictThresholds;
  /**
   * SES's receipt verdicts, for mail that arrived through SES inbound (absent for the HTTPS
   * API). Signals to score, not decisions: SES's spam verdict is tuned for inboxes, not phish.
   */
  readonly receipt?: ReceiptVerdicts;
}
