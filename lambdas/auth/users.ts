/**
 * Tenant admin: the users of the caller's tenant.
 *   POST   /v1/users              {"username","password","role"} → 201 the user
 *   GET    /v1/users                                              → {"users":[{"username","role","disabled","createdAt"}]}
 *   PATCH  /v1/users/{username}   {"role"?,"disabled"?}          → the user; less power revokes their tokens at once
 *   DELETE /v1/users/{username}                                   → revokes their tokens, deletes them
 * Another tenant's user answers 404, like an unknown one; an admin cannot change themself.
 */
import * as z from 'zod/mini';
import * as aws from '#adapters/aws.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import {
  addTenantUser,
  changeTenantUser,
  deleteTenantUser,
  listTenantUsers,
  type UserAdminPorts,
} from '#core/auth/users-admin.ts';
import type { AuditRecorder } from '#core/audit/audit-trail.ts';
import { invalidRequest } from '#core/errors.ts';
import { type HttpHandlerOptions, httpHandler, requirePrincipal } from '#shared/http.ts';
import { parseJsonBody } from '#shared/json-body.ts';
import { logger } from '#shared/observability.ts';
import { roles } from '#shared/scopes.ts';
import { auditEvent } from './audit-failed.ts';

const role = z.enum(roles);
const createBody = z.object({
  username: z.string().check(z.minLength(3), z.maxLength(128)),
  password: z.string().check(z.minLength(1), z.maxLength(1024)),
  role,
});
const patchBody = z.object({ role: z.optional(role), disabled: z.optional(z.boolean()) });

export const createUsersHandler = (
  ports: UserAdminPorts & { readonly audit?: AuditRecorder },
  options: HttpHandlerOptions = {},
) =>
  httpHandler(
    'admin-users',
    async (request) => {
      const principal = requirePrincipal(request);
      const { event, route } = request;
      const username = (event.pathParameters?.username ?? '').toLowerCase();
      const audit = (action: 'user_created' | 'user_changed' | 'user_deleted', target: string) =>
        auditEvent(ports, {
          tenant: principal.tenant,
          action,
          actor: principal.subject,
          target,
          sourceIp: event.requestContext.identity.sourceIp,
        });
      switch (`${route.method} ${route.path}`) {
        case 'POST /v1/users': {
          const body = parseJsonBody(event, createBody);
          const user = await addTenantUser(
            principal.tenant,
            { ...body, username: body.username.toLowerCase() },
            ports,
          );
          await audit('user_created', user.username);
          logger.info('User created', { role: user.role });
          return { statusCode: 201, body: user };
        }
        case 'GET /v1/users':
          return { statusCode: 200, body: { users: await listTenantUsers(principal.tenant, ports) } };
        case 'PATCH /v1/users/{username}': {
          const changes = parseJsonBody(event, patchBody);
          if (changes.role === undefined && changes.disabled === undefined) {
            throw invalidRequest('invalid_request', 'Give role, disabled or both');
          }
          const changed = await changeTenantUser(principal, username, changes, ports);
          await audit('user_changed', username);
          return { statusCode: 200, body: changed };
        }
        default:
          await deleteTenantUser(principal, username, ports);
          await audit('user_deleted', username);
          return { statusCode: 200, body: { status: 'deleted' } };
      }
    },
    options,
  );

export const handler = createUsersHandler(
  {
    users: aws.users(),
    revocations: aws.revocations(),
    audit: aws.auditTrail(),
    clock: systemClock,
    random: cryptoRandom,
  },
  { rateLimits: { store: aws.rateLimits(), clock: systemClock } },
);
