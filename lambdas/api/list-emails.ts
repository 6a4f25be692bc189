/**
 * GET /v1/emails?sender=… | ?senderDomain=… | ?recipient=… [&limit=…]: the tenant's emails from
 * a sender, a sender's domain, or to a recipient, newest first — searched through beacons, so
 * the table holds no address in clear.
 */
import * as aws from '#adapters/aws.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import type { EmailBeaconKind } from '#core/crypto/beacons.ts';
import type { CryptoPorts } from '#core/emails/email-envelope.ts';
import { searchEmails } from '#core/emails/search-emails.ts';
import { invalidRequest } from '#core/errors.ts';
import type { EmailRepository } from '#core/ports.ts';
import { type HttpHandlerOptions, httpHandlerWith, requirePrincipal } from '#shared/http.ts';

const filters: Readonly<Record<string, EmailBeaconKind>> = {
  sender: 'sender-address',
  senderDomain: 'sender-domain',
  recipient: 'recipient-address',
};
const defaultLimit = 20;
const maxLimit = 50;

const parseQuery = (query: Record<string, string | undefined> | null) => {
  const given = Object.entries(filters).filter(([name]) => query?.[name]);
  const [only, ...more] = given;
  if (!only || more.length > 0) {
    throw invalidRequest('invalid_query', 'Give exactly one of sender, senderDomain or recipient');
  }
  const [name, kind] = only;
  const value = (query?.[name] ?? '').trim();
  if (value.length > 320 || (kind !== 'sender-domain' && !value.includes('@'))) {
    throw invalidRequest('invalid_query', `${name} must be an email address`);
  }
  const limit = query?.limit === undefined ? defaultLimit : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) {
    throw invalidRequest('invalid_query', `limit is an integer from 1 to ${maxLimit}`);
  }
  return { search: { kind, value }, limit };
};

export const createListEmailsHandler = (
  ports: { readonly emails: EmailRepository } & CryptoPorts,
  options: HttpHandlerOptions = {},
) =>
  httpHandlerWith(options)('list-emails', async (request) => {
    const principal = requirePrincipal(request);
    const { search, limit } = parseQuery(request.event.queryStringParameters);
    const emails = await searchEmails(principal.tenant, search, limit, ports);
    return { statusCode: 200, body: { emails } };
  });

export const handler = createListEmailsHandler(
  { emails: aws.emails(), keyring: aws.keyring(), random: cryptoRandom },
  { rateLimits: { store: aws.rateLimits(), clock: systemClock } },
);
