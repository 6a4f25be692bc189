/** Evidence masking: findings are stored and shown, so personal data in them is masked. */

const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,}|[A-Za-z0-9-]+)/g;

/** `john.doe@example.com` → `j***@example.com`. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return address ? `${address[0]}***` : '';
  return `${address[0]}***${address.slice(at)}`;
}

/** Masks every email address in a piece of evidence and bounds its length. */
export function maskText(text: string, max = 160): string {
  const masked = text.replace(EMAIL, (_m, first: string, domain: string) => `${first}***@${domain}`);
  const oneLine = masked.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/** URLs in evidence: keep scheme, host and path; drop query and fragment (tokens, addresses). */
export function maskUrl(url: string, max = 120): string {
  const cut = url.replace(/[?#].*$/, (rest) => (rest.length > 1 ? `${rest[0]}…` : ''));
  return maskText(cut, max);
}
