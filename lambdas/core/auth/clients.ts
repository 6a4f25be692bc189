/**
 * Machine clients (role api_client) and the `client_credentials` grant. A client secret is 256
 * random bits shown once at creation; only its SHA-256 is stored. A fast hash is right here (a
 * slow one is for low-entropy passwords): nobody can brute-force 2^256, and the comparison is
 * constant-time. Disabling or deleting a client revokes its live access tokens at once (the
 * subject's revoke-all watermark), since it gets no refresh token to lose.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { notFound, unauthenticated } from '../errors.ts';
import type { Clock, RandomSource } from '../ports.ts';
import type { RefreshSubject } from './refresh-tokens.ts';
import type { RevocationStore } from './revocation.ts';
import { revokeAll } from './sessions.ts';

export interface ClientRecord {
  readonly clientId: string;
  readonly tenant: string;
  readonly name: string;
  readonly role: 'api_client';
  /** base64url SHA-256 of the secret. */
  readonly secretHash: string;
  readonly disabled: boolean;
  readonly createdAt: string;
}

export interface ClientRepository {
  get(clientId: string): Promise<ClientRecord | null>;
  create(client: ClientRecord): Promise<void>;
  listByTenant(tenant: string): Promise<readonly ClientRecord[]>;
  setDisabled(clientId: string, disabled: boolean): Promise<void>;
  delete(clientId: string, tenant: string): Promise<void>;
}

const clientIdPattern = /^cli_[\w-]{22}$/;
const hashSecret = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('base64url');
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
/** Compared against when the client is unknown, so both paths do the same work. */
const decoyHash = hashSecret('decoy');

export const invalidClient = () => unauthenticated('invalid_client', 'The client id or secret is wrong');

export const createClient = async (
  request: { readonly tenant: string; readonly name: string },
  ports: { readonly clients: ClientRepository; readonly clock: Clock; readonly random: RandomSource },
): Promise<{ readonly client: ClientRecord; readonly secret: string }> => {
  const secret = b64(ports.random.bytes(32));
  const client: ClientRecord = {
    clientId: `cli_${b64(ports.random.bytes(16))}`,
    tenant: request.tenant,
    name: request.name,
    role: 'api_client',
    secretHash: hashSecret(secret),
    disabled: false,
    createdAt: ports.clock.now().toISOString(),
  };
  await ports.clients.create(client);
  return { client, secret };
};

/** The client's identity when id and secret match an enabled client; `invalid_client` otherwise. */
export const authenticateClient = async (
  credentials: { readonly clientId: string; readonly secret: string },
  clients: ClientRepository,
): Promise<RefreshSubject> => {
  const client = clientIdPattern.test(credentials.clientId) ? await clients.get(credentials.clientId) : null;
  const expected = Buffer.from(client?.secretHash ?? decoyHash);
  const presented = Buffer.from(hashSecret(credentials.secret));
  const matches = expected.length === presented.length && timingSafeEqual(expected, presented);
  if (!client || client.disabled || !matches) throw invalidClient();
  return { subject: client.clientId, tenant: client.tenant, role: client.role };
};

/** The tenant's own client, or 404 (another tenant's id included). */
export const requireOwnClient = async (
  tenant: string,
  clientId: string,
  clients: ClientRepository,
): Promise<ClientRecord> => {
  const client = clientIdPattern.test(clientId) ? await clients.get(clientId) : null;
  if (!client || client.tenant !== tenant) throw notFound('client_not_found', 'No such client');
  return client;
};

export const setClientDisabled = async (
  tenant: string,
  clientId: string,
  disabled: boolean,
  ports: {
    readonly clients: ClientRepository;
    readonly revocations: Pick<RevocationStore, 'revokeSubject'>;
    readonly clock: Clock;
  },
): Promise<ClientRecord> => {
  const client = await requireOwnClient(tenant, clientId, ports.clients);
  await ports.clients.setDisabled(clientId, disabled);
  if (disabled) await revokeAll({ tenant, subject: clientId }, ports);
  return { ...client, disabled };
};

export const deleteClient = async (
  tenant: string,
  clientId: string,
  ports: {
    readonly clients: ClientRepository;
    readonly revocations: Pick<RevocationStore, 'revokeSubject'>;
    readonly clock: Clock;
  },
): Promise<void> => {
  await requireOwnClient(tenant, clientId, ports.clients);
  await revokeAll({ tenant, subject: clientId }, ports);
  await ports.clients.delete(clientId, tenant);
};
