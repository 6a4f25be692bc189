/** Creating tenants and users: used by the local runner's seed and the admin tooling. */
import type { Role } from '#shared/scopes.ts';
import { DomainError, invalidRequest } from '../errors.ts';
import { requireDomain } from '../ingest/recipient-domains.ts';
import type { Clock, DomainRepository, RandomSource, TenantRepository, UserRepository } from '../ports.ts';
import { hashPassword, type ScryptCost } from './passwords.ts';

const usernamePattern = /^[a-z0-9][a-z0-9._@-]{2,127}$/;
const tenantPattern = /^[a-z0-9][a-z0-9-]{1,62}$/;
/** NIST SP 800-63B: at least 8 characters, long passphrases allowed; we ask for 12. */
export const minimumPasswordLength = 12;

const requireTenantId = (id: string): string => {
  if (!tenantPattern.test(id)) {
    throw invalidRequest('invalid_tenant', 'A tenant id is 2-63 lower-case letters, digits or hyphens');
  }
  return id;
};

/**
 * Creates the tenant unless it exists (false then). With a `domains` repository, each of its
 * domains is also mapped to it for SES inbound (idempotent: an existing tenant's domains are
 * mapped again, and a domain another tenant owns is refused).
 */
export const createTenant = async (
  tenant: { readonly id: string; readonly name: string; readonly domains: readonly string[] },
  ports: { readonly tenants: TenantRepository; readonly clock: Clock; readonly domains?: DomainRepository },
): Promise<boolean> => {
  requireTenantId(tenant.id);
  const domains = ports.domains
    ? tenant.domains.map(requireDomain)
    : tenant.domains.map((domain) => domain.toLowerCase());
  const created = await ports.tenants.createIfAbsent({
    ...tenant,
    domains,
    createdAt: ports.clock.now().toISOString(),
  });
  if (ports.domains) {
    for (const domain of domains) await mapDomain(domain, tenant.id, { ...ports, domains: ports.domains });
  }
  return created;
};

/**
 * Routes SES inbound mail for `domain` to `tenant`. A domain belongs to one tenant: mapping it
 * to a second is refused (unmap first, by hand, on purpose). Mapping it again is a no-op.
 */
export const mapDomain = async (
  domainName: string,
  tenant: string,
  ports: { readonly tenants: TenantRepository; readonly domains: DomainRepository; readonly clock: Clock },
): Promise<void> => {
  const domain = requireDomain(domainName);
  requireTenantId(tenant);
  if (!(await ports.tenants.get(tenant)))
    throw new DomainError('not_found', 'tenant_not_found', 'No such tenant');
  const outcome = await ports.domains.map(domain, tenant, ports.clock.now().toISOString());
  if (outcome !== 'mapped') {
    throw new DomainError(
      'conflict',
      'domain_taken',
      `The domain ${domain} already belongs to another tenant`,
    );
  }
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
