/**
 * Tenant admin: the tenant's users. Every change that alters what a user's tokens may do (a new
 * role, disabling, deleting) also revokes every token the user holds, at once (revoke-all
 * watermark): a token carries its role, so an old token must not outlive a demotion. An admin
 * cannot change, disable or delete themself (no accidental self-lockout; another admin can).
 */
import type { Role } from '#shared/scopes.ts';
import { DomainError, notFound } from '../errors.ts';
import type { Clock, RandomSource, UserRecord, UserRepository } from '../ports.ts';
import { createUser } from './accounts.ts';
import type { ScryptCost } from './passwords.ts';
import type { RevocationStore } from './revocation.ts';
import { revokeAll } from './sessions.ts';

export interface UserAdminRepository extends UserRepository {
  listByTenant(tenant: string): Promise<readonly UserRecord[]>;
  update(username: string, changes: { readonly role?: Role; readonly disabled?: boolean }): Promise<void>;
  delete(username: string, tenant: string): Promise<void>;
}

export interface UserAdminPorts {
  readonly users: UserAdminRepository;
  readonly revocations: Pick<RevocationStore, 'revokeSubject'>;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly passwordCost?: ScryptCost;
}

export interface UserView {
  readonly username: string;
  readonly role: Role;
  readonly disabled: boolean;
  readonly createdAt: string;
}

const view = ({ username, role, disabled, createdAt }: UserRecord): UserView => ({
  username,
  role,
  disabled,
  createdAt,
});

const requireOwnUser = async (
  tenant: string,
  username: string,
  users: UserRepository,
): Promise<UserRecord> => {
  const user = await users.findByUsername(username);
  if (!user || user.tenant !== tenant) throw notFound('user_not_found', 'No such user');
  return user;
};

const notSelf = (actor: string, username: string) => {
  if (actor === username) {
    throw new DomainError('conflict', 'cannot_modify_self', 'Ask another admin to change your own account');
  }
};

export const addTenantUser = async (
  tenant: string,
  user: { readonly username: string; readonly password: string; readonly role: Role },
  ports: UserAdminPorts,
): Promise<UserView> => {
  await createUser({ ...user, tenant }, ports);
  return view(await requireOwnUser(tenant, user.username, ports.users));
};

export const listTenantUsers = async (tenant: string, ports: Pick<UserAdminPorts, 'users'>) =>
  (await ports.users.listByTenant(tenant)).map(view);

export const changeTenantUser = async (
  actor: { readonly tenant: string; readonly subject: string },
  username: string,
  changes: { readonly role?: Role; readonly disabled?: boolean },
  ports: UserAdminPorts,
): Promise<UserView> => {
  const user = await requireOwnUser(actor.tenant, username, ports.users);
  notSelf(actor.subject, username);
  await ports.users.update(username, changes);
  const lessPower =
    (changes.role !== undefined && changes.role !== user.role) ||
    (changes.disabled === true && !user.disabled);
  if (lessPower) await revokeAll({ tenant: actor.tenant, subject: username }, ports);
  return view({ ...user, ...changes });
};

export const deleteTenantUser = async (
  actor: { readonly tenant: string; readonly subject: string },
  username: string,
  ports: UserAdminPorts,
): Promise<void> => {
  await requireOwnUser(actor.tenant, username, ports.users);
  notSelf(actor.subject, username);
  await revokeAll({ tenant: actor.tenant, subject: username }, ports);
  await ports.users.delete(username, actor.tenant);
};
