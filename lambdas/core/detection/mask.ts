/**
 * Evidence masking: findings are stored and shown, so personal data in them is masked — with
 * the same masker as every log line (core/privacy), plus a bound on length.
 */
import { maskEmailAddress, maskPersonalData } from '../privacy/mask.ts';

/** `john.doe@example.com` → `j***@example.com`. */
export function maskEmail(address: string): string {
  return address ? maskEmailAddress(address) : '';
}

/** Masks every address, long number and IP host in a piece of evidence and bounds its length. */
export function maskText(text: string, max = 160): string {
  const masked = maskPersonalData(text);
  const oneLine = masked.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/** URLs in evidence: keep scheme, host and path; drop query and fragment (tokens, addresses). */
export function maskUrl(url: string, max = 120): string {
  const cut = url.replace(/[?#].*$/, (rest) => (rest.length > 1 ? `${rest[0]}…` : ''));
  return maskText(cut, max);
}
