/**
 * Password login: username and password in, access token out. Every failure answers the same
 * `invalid_credentials` after the same scrypt work, so neither the answer nor its timing tells
 * whether a username exists or is disabled.
 */
import { unauthenticated } from '../errors.ts';
import type { Clock, RandomSource, SigningKeyStore, UserRepository } from '../ports.ts';
import { type IssuedToken, issueAccessToken, type TokenSettings } from './access-tokens.ts';
import type { RefreshSubject } from './refresh-tokens.ts';
import { verifyPassword } from './passwords.ts';

/** A well-formed hash of a random password at the production cost: verified when a user is unknown. */
const decoyHash = '$scrypt$ln=17,r=8,p=1$5wdN3K0t3yD6bHCLhGfbWQ$J5GqfY6cC8LJv0bA3D4kW1mZbq2b1x0uQk8mJkqWq3Y';

export interface LoginPorts {
  readonly users: UserRepository;
  readonly signingKeys: SigningKeyStore;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly settings: TokenSettings;
}

const invalidCredentials = () => unauthenticated('invalid_credentials', 'The username or password is wrong');

export const loginWithPassword = async (
  credentials: { readonly username: string; readonly password: string },
  ports: LoginPorts,
): Promise<IssuedToken & { readonly subject: RefreshSubject }> => {
  const user = await ports.users.findByUsername(credentials.username);
  const matches = await verifyPassword(credentials.password, user?.passwordHash ?? decoyHash);
  if (!user || user.disabled || !matches) throw invalidCredentials();
  const key = await ports.signingKeys.current();
  const subject = { subject: user.username, tenant: user.tenant, role: user.role };
  return { ...(await issueAccessToken(subject, key, ports.settings, ports)), subject };
};
