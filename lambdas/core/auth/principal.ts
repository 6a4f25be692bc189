import type { Role, Scope } from '#shared/scopes.ts';

/** Who is calling, as established by a verified access token. */
export interface Principal {
  /** The user or client name (`sub`). */
  readonly subject: string;
  readonly tenant: string;
  readonly role: Role;
  readonly scopes: readonly Scope[];
  /** The token's `jti`, for revocation and audit. */
  readonly tokenId: string;
}

export const hasAnyScope = (principal: Principal, accepted: readonly Scope[]): boolean =>
  accepted.some((scope) => principal.scopes.includes(scope));
