/**
 * Tenant admin: machine clients (role api_client) of the caller's tenant.
 *   POST   /v1/clients        {"name"}        → 201 {"client_id","client_secret","name"} (secret shown once)
 *   GET    /v1/clients                         → {"clients":[{"client_id","name","disabled","created_at"}]}
 *   PATCH  /v1/clients/{id}   {"disabled"}    → the client; disabling revokes its tokens at once
 *   DELETE /v1/clients/{id}                    → revokes its tokens, deletes it
 * Another tenant's client id answers 404, like an unknown one.
 */
import * as z from 'zod/mini';
import * as aws from '#adapters/aws.ts';
import { cryptoRandom, systemClock } from '#adapters/system.ts';
import {
  type ClientRecord,
  type ClientRepository,
  createClient,
  deleteClient,
  setClientDisabled,
} from '#core/auth/clients.ts';
import type { AuditRecorder } from '#core/audit/audit-trail.ts';
import type { RevocationStore } from '#core/auth/revocation.ts';
import type { Clock, RandomSource } from '#core/ports.ts';
import { type HttpHandlerOptions, httpHandler, requirePrincipal } from '#shared/http.ts';
import { parseJsonBody } from '#shared/json-body.ts';
import { logger } from '#shared/observability.ts';
import { auditEvent } from './audit-failed.ts';

export interface ClientAdminPorts {
  readonly clients: ClientRepository;
  readonly revocations: Pick<RevocationStore, 'revokeSubject'>;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly audit?: AuditRecorder;
}

const createBody = z.object({ name: z.string().check(z.minLength(1), z.maxLength(100)) });
const patchBody = z.object({ disabled: z.boolean() });

const view = (client: ClientRecord) => ({
  client_id: client.clientId,
  name: client.name,
  disabled: client.disabled,
  created_at: client.createdAt,
});

export const createClientsHandler = (ports: ClientAdminPorts, options: HttpHandlerOptions = {}) =>
  httpHandler(
    'admin-clients',
    async (request) => {
      const principal = requirePrincipal(request);
      const { tenant } = principal;
      const { event, route } = request;
      const id = event.pathParameters?.id ?? '';
      const audit = (action: 'client_created' | 'client_changed' | 'client_deleted', target: string) =>
        auditEvent(ports, {
          tenant,
          action,
          actor: principal.subject,
          target,
          sourceIp: event.requestContext.identity.sourceIp,
        });
      switch (`${route.method} ${route.path}`) {
        case 'POST /v1/clients': {
          const { name } = parseJsonBody(event, createBody);
          const { client, secret } = await createClient({ tenant, name }, ports);
          await audit('client_created', client.clientId);
          logger.info('Client created', { clientId: client.clientId });
          return { statusCode: 201, body: { ...view(client), client_secret: secret } };
        }
        case 'GET /v1/clients':
          return { statusCode: 200, body: { clients: (await ports.clients.listByTenant(tenant)).map(view) } };
        case 'PATCH /v1/clients/{id}': {
          const { disabled } = parseJsonBody(event, patchBody);
          const changed = await setClientDisabled(tenant, id, disabled, ports);
          await audit('client_changed', id);
          return { statusCode: 200, body: view(changed) };
        }
        default:
          await deleteClient(tenant, id, ports);
          await audit('client_deleted', id);
          return { statusCode: 200, body: { status: 'deleted' } };
      }
    },
    options,
  );

export const handler = createClientsHandler(
  {
    clients: aws.clients(),
    revocations: aws.revocations(),
    audit: aws.auditTrail(),
    clock: systemClock,
    random: cryptoRandom,
  },
  { rateLimits: { store: aws.rateLimits(), clock: systemClock } },
);
