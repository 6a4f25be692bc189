/**
 * Masks personal data in free text before it reaches a log line or a finding's evidence.
 * Conservative by design: it is better to mask a harmless token than to leak an address.
 */

const emailPattern = /[\p{L}\p{N}._%+'-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.[\p{L}]{2,}/gu;
// Card numbers, phone numbers, account numbers: 9+ digits, optionally grouped, standing
// alone — digits inside an identifier (a hex id, a hash) are not a number.
const longNumberPattern = /(?<![\p{L}\p{N}_])\+?\d(?:[ .-]?\d){8,}(?![\p{L}\p{N}_])/gu;
const ibanPattern = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g;

/** `jane.doe@example.com` → `j***@example.com`: the domain stays, it is evidence, not identity. */
export const maskEmailAddress = (address: string): string => {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${address[0]}***${address.slice(at)}`;
};

export const maskPersonalData = (text: string): string =>
  text
    .replace(emailPattern, (match) => maskEmailAddress(match))
    .replace(ibanPattern, '[iban]')
    .replace(longNumberPattern, '[number]');
