/**
 * The REST API's Lambda REQUEST authorizer: verifies the bearer token and hands the principal
 * to the route as context. A bad token is a Deny carrying a machine-readable code, which the
 * API's ACCESS_DENIED gateway response turns into `401 {"error":{"code","message"}}`.
 * Results are not cached (TTL 0) and every call reads the subject's deny-list (one strongly
 * consistent GetItem, started in parallel with the signature check), so a revoked token stops
 * working on the next request.
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import * as aws from '#adapters/aws.ts';
import { systemClock } from '#adapters/system.ts';
import { type TokenSettings, verifyAccessTokenDetailed } from '#core/auth/access-tokens.ts';
import type { RevocationStore } from '#core/auth/revocation.ts';
import { isDomainError } from '#core/errors.ts';
import type { Clock, VerificationKeyStore } from '#core/ports.ts';
import { observedHandler } from '#shared/middleware.ts';
import { logger, metrics } from '#shared/observability.ts';

export interface AuthorizerPorts {
  readonly signingKeys: VerificationKeyStore;
  readonly settings: TokenSettings;
  readonly clock: Clock;
  readonly revocations: Pick<RevocationStore, 'status'>;
}

const bearer = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/;

const policy = (
  effect: 'Allow' | 'Deny',
  principalId: string,
  resource: string,
  context: Record<string, string>,
) =>
  ({
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
    },
    context,
  }) satisfies APIGatewayAuthorizerResult;

const authorizationHeader = (event: APIGatewayRequestAuthorizerEvent): string | undefined =>
  Object.entries(event.headers ?? {}).find(([name]) => name.toLowerCase() === 'authorization')?.[1] ??
  undefined;

export const createAuthorizer = (ports: AuthorizerPorts) =>
  observedHandler<APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult>().handler(async (event) => {
    const deny = (code: string, message: string) => {
      metrics.addMetric('AuthFailures', 'Count', 1);
      logger.info('Token refused', { code });
      return policy('Deny', 'anonymous', event.methodArn, { code, message });
    };
    const token = bearer.exec(authorizationHeader(event)?.trim() ?? '')?.[1];
    if (!token) return deny('invalid_token', 'Send the header Authorization: Bearer <access token>');
    try {
      const keys = await ports.signingKeys.verificationKeys();
      const { principal, issuedAt, expiresAt } = await verifyAccessTokenDetailed(
        token,
        keys,
        ports.settings,
        ports.clock,
        { revocations: ports.revocations },
      );
      return policy('Allow', principal.subject, event.methodArn, {
        iat: String(issuedAt),
        exp: String(expiresAt),
        sub: principal.subject,
        tenant: principal.tenant,
        role: principal.role,
        scope: principal.scopes.join(' '),
        jti: principal.tokenId,
      });
    } catch (error) {
      if (isDomainError(error)) return deny(error.code, error.message);
      throw error;
    }
  });

export const handler = createAuthorizer({
  signingKeys: aws.verificationKeys(),
  settings: aws.tokenSettings(),
  clock: systemClock,
  revocations: aws.revocations(),
});
