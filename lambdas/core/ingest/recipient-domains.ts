/** Recipient domains: how mail for a domain finds its tenant (SES inbound). */
import { invalidRequest } from '../errors.ts';

const label = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const domainPattern = new RegExp(`^(?=.{1,253}$)${label}(?:\\.${label})+$`);

/** Lower-case, without a trailing dot; null when it is not a DNS domain name. */
export const normaliseDomain = (value: string): string | null => {
  const domain = value.trim().toLowerCase().replace(/\.$/, '');
  return domainPattern.test(domain) ? domain : null;
};

/** The domain of an envelope recipient (`local@domain`), normalised; null when there is none. */
export const recipientDomain = (address: string): string | null => {
  const at = address.lastIndexOf('@');
  if (at <= 0) return null;
  return normaliseDomain(address.slice(at + 1).replace(/>$/, ''));
};

export const requireDomain = (value: string): string => {
  const domain = normaliseDomain(value);
  if (!domain) throw invalidRequest('invalid_domain', 'A domain is a DNS name such as mail.example.com');
  return domain;
};
