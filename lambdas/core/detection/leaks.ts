/**
 * The corpus' era and collection artefacts, removed so figures and training cannot lean on them
 * (see shared/research/corpus-recipe.md). Used by training (always) and by the benchmark's
 * "stripped" variant. Works on raw message text (latin-1 round trip keeps bytes intact).
 */
import { latin1 } from '#core/email/sniff.ts';

/** Header fields that only exist because of the era (2002 ham predates them). */
export function isLeakHeader(name: string): boolean {
  const n = name.toLowerCase();
  return (
    n === 'authentication-results' ||
    n === 'dkim-signature' ||
    n === 'domainkey-signature' ||
    n === 'received-spf' ||
    n.startsWith('arc-') ||
    n === 'x-ms-exchange-authentication-results' ||
    (n.startsWith('x-') && /(auth|spf|dkim|dmarc|arc-)/.test(n))
  );
}

const ADDRESS_REWRITES: readonly [RegExp, string][] = [
  [/phishing@pot/gi, 'jdoe@example.com'],
  [/\bjmason\b/gi, 'jdoe'],
  [/taint\.org/gi, 'example.net'],
];

/** Rewrites the collection-specific addresses in any text. */
export function rewriteLeakAddresses(text: string): string {
  let out = text;
  for (const [re, to] of ADDRESS_REWRITES) out = out.replace(re, to);
  return out;
}

/** Raw message → the same message without leak headers (top-level header block) and addresses. */
export function stripLeaksRaw(raw: Uint8Array): Uint8Array {
  const text = latin1(raw, raw.length);
  const sep = /\r?\n\r?\n/.exec(text);
  const headEnd = sep ? sep.index : text.length;
  const head = text.slice(0, headEnd);
  const rest = text.slice(headEnd);
  const kept: string[] = [];
  let skipping = false;
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line)) {
      if (!skipping) kept.push(line);
      continue;
    }
    const colon = line.indexOf(':');
    skipping = colon > 0 && isLeakHeader(line.slice(0, colon).trim());
    if (!skipping) kept.push(line);
  }
  const out = rewriteLeakAddresses(`${kept.join('\r\n')}${rest}`);
  return new Uint8Array(Buffer.from(out, 'latin1'));
}
