/**
 * Analysis of one queued email: open it, run the detection engine, store the verdict and the
 * sealed findings once. Safe to run twice for the same job (a redelivered SQS message): the
 * second run sees the stored result, or loses the conditional write, and changes nothing.
 */
import type { BranchKeyring } from '../crypto/branch-keyring.ts';
import type { Analysis, AnalysisContext } from '../detection/analysis.ts';
import type { ParsedEmail } from '../email/parsed-email.ts';
import { openEmail } from '../emails/email-envelope.ts';
import { notFound } from '../errors.ts';
import type { AnalysisJob, Clock, EmailRepository, RandomSource, TenantRepository } from '../ports.ts';

export interface AnalysePorts {
  readonly emails: EmailRepository;
  readonly tenants: TenantRepository;
  readonly keyring: BranchKeyring;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly analyse: (email: ParsedEmail, context: AnalysisContext) => Analysis;
}

export type AnalyseOutcome =
  { readonly kind: 'analyzed'; readonly analysis: Analysis } | { readonly kind: 'already-analyzed' };

export const analyseQueuedEmail = async (job: AnalysisJob, ports: AnalysePorts): Promise<AnalyseOutcome> => {
  const stored = await ports.emails.get(job.tenant, job.id);
  if (!stored) throw notFound('email_not_found', 'The queued email does not exist');
  if (stored.status === 'analyzed') return { kind: 'already-analyzed' };

  const tenant = await ports.tenants.get(job.tenant);
  const opened = await openEmail(stored, ports);
  try {
    const analysis = ports.analyse(opened.email, {
      tenantDomains: tenant?.domains ?? [],
      // SES inbound mail carries the receiving server's verdicts; the engine weighs them.
      ...(stored.receipt && { receipt: stored.receipt }),
    });
    const recorded = await ports.emails.recordResult(job.tenant, job.id, {
      score: analysis.score,
      verdict: analysis.verdict,
      modelVersion: analysis.modelVersion,
      analyzedAt: ports.clock.now().toISOString(),
      sealedFindings: opened.sealFindings(analysis.findings),
    });
    return recorded ? { kind: 'analyzed', analysis } : { kind: 'already-analyzed' };
  } finally {
    opened.close();
  }
};

/** A short, PII-free reason for a failed analysis: an error code or class name, never a message. */
export const failureReason = (error: unknown): string => {
  if (error && typeof error === 'object') {
    const { code, name } = error as { code?: unknown; name?: unknown };
    if (typeof code === 'string' && /^[a-z_]{1,64}$/.test(code)) return code;
    if (typeof name === 'string' && /^\w{1,64}$/.test(name)) return name;
  }
  return 'unknown_error';
};

/** Records that the last delivery attempt failed, so the API answers `failed` with its reason. */
export const recordFinalFailure = async (
  job: AnalysisJob,
  error: unknown,
  ports: Pick<AnalysePorts, 'emails' | 'clock'>,
): Promise<void> => {
  await ports.emails.markFailed(job.tenant, job.id, failureReason(error), ports.clock.now().toISOString());
};
