/** Roles and the scopes each grants. A route names the scopes it accepts (any one suffices). */
export const roles = ['admin', 'soc_analyst', 'api_client', 'readonly'] as const;
export type Role = (typeof roles)[number];

export const scopes = ['read', 'write', 'admin', 'soc', 'email_ingest', 'enforce'] as const;
export type Scope = (typeof scopes)[number];

export const scopesByRole: Readonly<Record<Role, readonly Scope[]>> = {
  admin: ['read', 'write', 'admin'],
  soc_analyst: ['read', 'write', 'soc'],
  api_client: ['read', 'write', 'email_ingest', 'enforce'],
  readonly: ['read'],
};

export const isRole = (value: unknown): value is Role =>
  typeof value === 'string' && (roles as readonly string[]).includes(value);
