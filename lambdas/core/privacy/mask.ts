/**
 * Masks personal data in free text before it reaches a log line or a finding's evidence, using
 * the detector in personal-data.ts. What stays is what explains without identifying: the
 * domain of an address, the network of an IP address, the kind of a number.
 */
import { findPersonalData, type PersonalDataMatch } from './personal-data.ts';

/** `jane.doe@example.com` → `j***@example.com`: the domain stays, it is evidence, not identity. */
export const maskEmailAddress = (address: string): string => {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${address[0]}***${address.slice(at)}`;
};

/** IP addresses are personal data under the GDPR: keep the network, drop the host. */
const maskIp = (ip: string): string => {
  if (ip.includes('.')) return ip.replace(/\.\d{1,3}$/, '.x');
  const groups = ip.split(':');
  return `${groups.slice(0, 3).join(':')}::x`;
};

const replacement = (match: PersonalDataMatch): string => {
  switch (match.kind) {
    case 'email':
      return maskEmailAddress(match.text);
    case 'ip':
      return maskIp(match.text);
    default:
      return `[${match.kind}]`;
  }
};

export const maskPersonalData = (text: string): string => {
  const matches = findPersonalData(text);
  if (matches.length === 0) return text;
  let masked = '';
  let from = 0;
  for (const match of matches) {
    masked += text.slice(from, match.start) + replacement(match);
    from = match.end;
  }
  return masked + text.slice(from);
};
