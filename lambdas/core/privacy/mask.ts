/**
 * Masks personal data in free text before it reaches a log line or a finding's evidence.
 * Conservative by design: it is better to mask a harmless token than to leak an address.
 */

const emailPattern = /[\p{L}\p{N}._%+'-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.[\p{L}]{2,}/gu;
// Card numbers, phone numbers, account numbers: 9+ digits, optionally grouped, standing
// alone — digits inside an identifier (a hex id, a hash) are not a number.
const longNumberPattern = /(?<![\p{L}\p{N}_])\+?\d(?:[ .-]?\d){8,}(?![\p{L}\p{N}_])/gu;
// IP addresses are personal data under the GDPR: keep the network, drop the host.
const ipv4Pattern = /(?<![\d.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}(?![\d.])/g;
const ipv6Pattern = /(?<![\w:])((?:[0-9a-f]{1,4}:){3})(?:[0-9a-f]{0,4}:){1,4}[0-9a-f]{0,4}(?![\w:])/gi;
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
    .replace(ipv4Pattern, '$1.$2.$3.x')
    .replace(ipv6Pattern, '$1:x')
    .replace(longNumberPattern, '[number]');
