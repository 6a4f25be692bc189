/**
 * GET /v1/audit[?from&to&action&actor&subject&limit&after]: the caller's tenant's audit trail,
 * newest first (admin). `from`/`to` are ISO 8601 times (inclusive), `action` a comma-separated
 * list of actions, `actor` a username or client id, `subject` a data subject's address (its
 * export and erase events), `after` the `next` cursor of the previous page.
 */
import * as aws from '#adapters/aws.ts';
import { systemClock } from '#adapters/system.ts';
import {
  type AuditAction,
  type AuditFilter,
  type AuditTrail,
  auditActions,
  isAuditAction,
} from '#core/audit/audit-trail.ts';
import { invalidRequest } from '#core/errors.ts';
import { type HttpHandlerOptions, httpHandlerWith, requirePrincipal } from '#shared/http.ts';

const defaultLimit = 50;
const maxLimit = 200;
const isoTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const cursor = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[0-9a-f]{12}$/;

/** Stored ids start with `Date.toISOString()`: bounds are compared in that same form. */
const time = (name: string, value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  const millis = isoTime.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(millis)) throw invalidRequest('invalid_query', `${name} is an ISO 8601 time`);
  return new Date(millis).toISOString();
};

const text = (name: string, value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > 320) {
    throw invalidRequest('invalid_query', `${name} is 1 to 320 characters`);
  }
  return trimmed;
};

export const parseAuditQuery = (
  query: Readonly<Record<string, string | undefined>>,
): { readonly filter: AuditFilter; readonly limit: number } => {
  const limit = query.limit === undefined ? defaultLimit : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) {
    throw invalidRequest('invalid_query', `limit is an integer from 1 to ${maxLimit}`);
  }
  const from = time('from', query.from);
  const to = time('to', query.to);
  if (from !== undefined && to !== undefined && from > to) {
    throw invalidRequest('invalid_query', 'from is after to');
  }
  let actions: AuditAction[] | undefined;
  if (query.action !== undefined) {
    const names = query.action.split(',').map((name) => name.trim());
    const unknown = names.filter((name) => !isAuditAction(name));
    if (unknown.length > 0 || names.length > 10) {
      throw invalidRequest(
        'invalid_query',
        `action is a comma-separated list of: ${auditActions.join(', ')}`,
      );
    }
    actions = names as AuditAction[];
  }
  if (query.after !== undefined && !cursor.test(query.after)) {
    throw invalidRequest('invalid_query', 'after is the next cursor of a previous page');
  }
  const actor = text('actor', query.actor);
  const subject = text('subject', query.subject);
  if (subject !== undefined && !subject.includes('@')) {
    throw invalidRequest('invalid_query', 'subject is an email address');
  }
  return {
    limit,
    filter: {
      ...(from !== undefined && { from }),
      ...(to !== undefined && { to }),
      ...(actions !== undefined && { actions }),
      ...(actor !== undefined && { actor }),
      ...(subject !== undefined && { subject }),
      ...(query.after !== undefined && { after: query.after }),
    },
  };
};

export const createAuditHandler = (
  ports: { readonly audit: Pick<AuditTrail, 'list'> },
  options: HttpHandlerOptions = {},
) =>
  httpHandlerWith(options)('audit-log', async (request) => {
    const principal = requirePrincipal(request);
    const { filter, limit } = parseAuditQuery(request.event.queryStringParameters ?? {});
    // The tenant comes from the verified token only: an admin reads its own tenant's trail.
    const page = await ports.audit.list(principal.tenant, filter, limit);
    return { statusCode: 200, body: { events: page.events, next: page.next } };
  });

export const handler = createAuditHandler(
  { audit: aws.auditTrail() },
  { rateLimits: { store: aws.rateLimits(), clock: systemClock } },
);
