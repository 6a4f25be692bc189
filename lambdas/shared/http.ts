/**
 * The middy stack every HTTP function uses, identical everywhere: tracer, logger (state
 * cleared per invocation), metrics, then PhishX's HTTP layer — principal and scope check before
 * the handler, typed-error mapping and security headers after it. The error mapper is last, so
 * it sees every error first. A handler returns data; this module turns it into a response.
 */
import type middy from '@middy/core';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { hasAnyScope, type Principal } from '#core/auth/principal.ts';
import { type ErrorKind, forbidden, isDomainError, unauthenticated } from '#core/errors.ts';
import { consume, isRateLimited, type RateLimitStore } from '#core/ratelimit/sliding-window.ts';
import type { Clock } from '#core/ports.ts';
import { defaultPrincipalRateLimit, type FunctionName, type RouteDefinition, routes } from './catalog.ts';
import { observedHandler } from './middleware.ts';
import { logger, metrics } from './observability.ts';
import { isRole, type Scope, scopesByRole } from './scopes.ts';

export interface HttpRequest {
  readonly event: APIGatewayProxyEvent;
  readonly route: RouteDefinition;
  /** Set on every route that requires a token. */
  readonly principal: Principal | undefined;
}

export interface HttpResult {
  readonly statusCode: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

const statusByKind: Readonly<Record<ErrorKind, number>> = {
  invalid_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
};

/** Sent with every answer: API responses carry tenant data and are never cached or framed. */
export const securityHeaders: Readonly<Record<string, string>> = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  'Strict-Transport-Security': 'max-age=63072000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
};

export const jsonResponse = (result: HttpResult): APIGatewayProxyResult => ({
  statusCode: result.statusCode,
  headers: { ...securityHeaders, ...result.headers },
  body: JSON.stringify(result.body),
});

export const errorResponse = (statusCode: number, code: string, message: string): APIGatewayProxyResult =>
  jsonResponse({ statusCode, body: { error: { code, message } } });

/** The authorizer's context as API Gateway passes it on; the only source of a principal. */
const principalFrom = (event: APIGatewayProxyEvent): Principal => {
  const context = event.requestContext.authorizer ?? {};
  const { tenant, role, scope, sub, jti } = context as Record<string, unknown>;
  if (typeof tenant !== 'string' || !isRole(role) || typeof scope !== 'string' || typeof sub !== 'string') {
    // API Gateway only invokes jwt routes after the authorizer allowed them: this is a wiring bug.
    throw unauthenticated('invalid_token', 'The request carries no verified identity');
  }
  const granted = scopesByRole[role] as readonly string[];
  const scopes = scope.split(' ').filter((s): s is Scope => granted.includes(s));
  return { subject: sub, tenant, role, scopes, tokenId: typeof jti === 'string' ? jti : '' };
};

const routeFor = (functionName: FunctionName, event: APIGatewayProxyEvent): RouteDefinition => {
  const route = routes.find(
    (candidate) =>
      candidate.function === functionName &&
      candidate.method === event.httpMethod &&
      candidate.path === event.resource,
  );
  if (!route) throw new Error(`No route for ${event.httpMethod} ${event.resource} in ${functionName}`);
  return route;
};

const errorMapper = (): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> => ({
  onError: async (request) => {
    const { error } = request;
    if (isDomainError(error)) {
      logger.info('Request refused', { code: error.code, kind: error.kind });
      request.response = errorResponse(statusByKind[error.kind], error.code, error.message);
      if (isRateLimited(error)) {
        metrics.addMetric('RateLimited', 'Count', 1);
        request.response.headers = {
          ...request.response.headers,
          'Retry-After': String(error.retryAfterSeconds),
        };
      }
      return;
    }
    // Unknown: log it (masked) for us, answer nothing about it to the caller.
    logger.error('Unhandled error', error as Error);
    request.response = errorResponse(500, 'internal_error', 'An internal error occurred');
  },
});

export interface HttpHandlerOptions {
  /**
   * Enforces each jwt route's per-principal limit (`rateLimit` in the route table, else
   * `defaultPrincipalRateLimit`). Without it no per-principal limit applies (unit tests).
   */
  readonly rateLimits?: { readonly store: RateLimitStore; readonly clock: Clock };
}

export const httpHandler = (
  functionName: FunctionName,
  handle: (request: HttpRequest) => Promise<HttpResult>,
  options: HttpHandlerOptions = {},
): middy.MiddyfiedHandler<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context> =>
  observedHandler<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(errorMapper())
    .handler(async (event) => {
      const route = routeFor(functionName, event);
      let principal: Principal | undefined;
      if (route.auth === 'jwt') {
        principal = principalFrom(event);
        logger.appendKeys({ tenant: principal.tenant, subject: principal.subject });
        if (!hasAnyScope(principal, route.scopes)) {
          throw forbidden(
            'insufficient_scope',
            `This operation needs one of the scopes: ${route.scopes.join(', ')}`,
          );
        }
        if (options.rateLimits) {
          const limit = route.rateLimit ?? defaultPrincipalRateLimit;
          await consume(
            {
              // Per principal and route: a client's ingest budget is not spent by its reads.
              key: `route#${route.method} ${route.path}#${principal.tenant}#${principal.subject}`,
              ...limit,
            },
            options.rateLimits.store,
            options.rateLimits.clock,
          );
        }
      }
      return jsonResponse(await handle({ event, route, principal }));
    });

/** The principal of a jwt route; the stack guarantees it is there. */
export const requirePrincipal = (request: HttpRequest): Principal => {
  if (!request.principal) throw unauthenticated('invalid_token', 'The request carries no verified identity');
  return request.principal;
};

/** A header by name, case-insensitively, as API Gateway may deliver either case. */
export const header = (event: APIGatewayProxyEvent, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
};

/** `httpHandler` with options, in a shape that leaves a handler's body where it was. */
export const httpHandlerWith =
  (options: HttpHandlerOptions) =>
  (functionName: FunctionName, handle: (request: HttpRequest) => Promise<HttpResult>) =>
    httpHandler(functionName, handle, options);
