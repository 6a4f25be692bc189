/** Creating tenants and users: used by the local runner's seed and the admin tooling. */
import type { Role } from '#shared/scopes.ts';
import { DomainError, invalidRequest } from '../errors.ts';
import type { Clock, RandomSource, TenantRepository, UserRepository } from '../ports.ts';
import { hashPassword, type ScryptCost } from './passwords.ts';

const usernamePattern = /^[a-z0-9][a-z0-9._@-]{2,127}$/;
const tenantPattern = /^[a-z0-9][a-z0-9-]{1,62}$/;
/** NIST SP 800-63B: at least 8 characters, long passphrases allowed; we ask for 12. */
export const minimumPasswordLength = 12;

export const createTenant = async (
  tenant: { readonly id: string; readonly name: string; readonly domains: readonly string[] },
  ports: { readonly tenants: TenantRepository; readonly clock: Clock },
): Promise<boolean> => {
  if (!tenantPattern.test(tenant.id)) {
    throw invalidRequest('invalid_tenant', 'A tenant id is 2-63 lower-case letters, digits or hyphens');
  }
  return ports.tenants.createIfAbsent({
    ...tenant,
    domains: tenant.domains.map((domain) => domain.toLowerCase()),
    createdAt: ports.clock.now().toISOString(),
  });
};

export const createUser = async (
  user: {
    readonly username: string;
    readonly password: string;
    readonly tenant: string;
    readonly role: Role;
  },
  ports: {
    readonly users: UserRepository;
    readonly clock: Clock;
    readonly random: RandomSource;
    readonly passwordCost?: ScryptCost;
  },
): Promise<void> => {
  if (!usernamePattern.test(user.username)) {
    throw invalidRequest('invalid_username', 'A username is 3-128 lower-case letters, digits or . _ @ -');
  }
  if ([...user.password].length < minimumPasswordLength) {
    throw invalidRequest('weak_password', `A password has at least ${minimumPasswordLength} characters`);
  }
  const created = await ports.users.createIfAbsent({
    username: user.username,
    tenant: user.tenant,
    role: user.role,
    passwordHash: await hashPassword(user.password, ports.random, ports.passwordCost),
    disabled: false,
    createdAt: ports.clock.now().toISOString(),
  });
  if (!created) throw new DomainError('conflict', 'username_taken', 'This username is already taken');
};
