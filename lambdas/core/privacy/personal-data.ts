/**
 * Finds personal data in free text: email addresses, card numbers (13-19 digits passing the
 * Luhn check), IBANs (passing the ISO 13616 mod-97 check), phone numbers, IP addresses, and
 * the names that precede an address (`Jane Doe <jane@example.com>`, as address headers write
 * them). Other long digit runs (account or customer numbers) are found as plain numbers.
 *
 * Conservative by design: it is better to flag a harmless token than to miss a person. The
 * Luhn check decides what a digit run is called, never whether it is flagged (a 16-digit run
 * that fails it is still a number); the IBAN check keeps product codes that merely look like
 * an IBAN from being called one.
 */

export type PersonalDataKind = 'email' | 'name' | 'card' | 'iban' | 'phone' | 'number' | 'ip';

export interface PersonalDataMatch {
  readonly kind: PersonalDataKind;
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

const emailPattern = /[\p{L}\p{N}._%+'-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.[\p{L}]{2,}/gu;
// A display name right before `<address>`: quoted, or up to four words on the same line.
const namedAddressPattern =
  /(?:"[^"\r\n]{1,100}"|[\p{L}\p{M}][\p{L}\p{M}\p{N}'.-]*(?:[ \t]+[\p{L}\p{M}][\p{L}\p{M}\p{N}'.-]*){0,3})(?=[ \t]*<[^<>\s]+@[^<>\s]+>)/gu;
const ibanPattern = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g;
const ipv4Pattern = /(?<![\d.])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\d.])/g;
const ipv6Pattern = /(?<![\w:])(?:[0-9a-f]{1,4}:){3}(?:[0-9a-f]{0,4}:){1,4}[0-9a-f]{0,4}(?![\w:])/gi;
// Digit runs standing alone (not inside an identifier such as a hex id), optionally grouped by
// spaces, dots or dashes, optionally with a leading + or an area code in parentheses.
const digitRunPattern =
  /(?<![\p{L}\p{N}_+])(?:\+\d|\(\d{1,5}\)[ .-]?\d|\d)(?:[ .-]?\(?\d\)?){6,}(?![\p{L}\p{N}_])/gu;

const digitsOf = (text: string) => text.replace(/\D/g, '');

/** The Luhn checksum that every payment card number satisfies. */
export const passesLuhn = (digits: string): boolean => {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return digits.length > 0 && sum % 10 === 0;
};

/** ISO 13616: move the country code and check digits to the end, letters to numbers, mod 97 = 1. */
export const passesIbanCheck = (iban: string): boolean => {
  const compact = iban.replace(/ /g, '');
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const value = /\d/.test(char) ? char : String(char.charCodeAt(0) - 55);
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return compact.length >= 15 && remainder === 1;
};

const isDate = (text: string) => /^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{4}$/.test(text);

/** What a digit run is: a card, a phone number, another number, or nothing personal. */
const classifyDigits = (text: string): PersonalDataKind | null => {
  const digits = digitsOf(text);
  if (isDate(text)) return null;
  if (digits.length >= 13 && digits.length <= 19 && passesLuhn(digits)) return 'card';
  const dialled = text.startsWith('+') || text.includes('(');
  if (dialled && digits.length >= 8 && digits.length <= 15) return 'phone';
  // Grouped like a phone number (e.g. 020 7946 0958, 555-123-4567) and of a phone's length.
  if (/[ .-]/.test(text) && digits.length >= 9 && digits.length <= 12) return 'phone';
  return digits.length >= 9 ? 'number' : null;
};

/** Every match, in order, none overlapping (an earlier-listed kind wins an overlap). */
export const findPersonalData = (text: string): PersonalDataMatch[] => {
  const found: PersonalDataMatch[] = [];
  const taken = (start: number, end: number) => found.some((m) => start < m.end && end > m.start);
  const add = (kind: PersonalDataKind, start: number, matched: string) => {
    const end = start + matched.length;
    if (!taken(start, end)) found.push({ kind, start, end, text: matched });
  };
  for (const m of text.matchAll(emailPattern)) add('email', m.index, m[0]);
  for (const m of text.matchAll(namedAddressPattern)) add('name', m.index, m[0]);
  for (const m of text.matchAll(ibanPattern)) if (passesIbanCheck(m[0])) add('iban', m.index, m[0]);
  for (const m of text.matchAll(ipv4Pattern)) add('ip', m.index, m[0]);
  for (const m of text.matchAll(ipv6Pattern)) add('ip', m.index, m[0]);
  for (const m of text.matchAll(digitRunPattern)) {
    const kind = classifyDigits(m[0]);
    if (kind) add(kind, m.index, m[0]);
  }
  return found.sort((a, b) => a.start - b.start);
};
