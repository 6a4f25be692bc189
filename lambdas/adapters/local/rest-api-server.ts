/**
 * A local stand-in for the API Gateway REST API (Lambda proxy integration) in front of the
 * real handlers: it serves the catalog's route table on 127.0.0.1, builds v1 proxy events
 * (`APIGatewayProxyEvent`) and Lambda contexts, runs the Lambda REQUEST authorizer on `jwt`
 * routes and maps its IAM policy the way API Gateway does, and answers with the same gateway
 * responses the CDK configures (`{"error":{"code","message"}}`).
 *
 * Emulated limits: 10 MB request bodies (API Gateway), 6 MB synchronous Lambda payloads
 * (request event and response), each function's timeout from the catalog and the 29 s
 * integration timeout. Not emulated: authorizer caching (the API uses TTL 0), throttling,
 * CORS, custom domains, the stage prefix in the URL (routes are served at `/`).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayEventIdentity,
  APIGatewayEventRequestContextWithAuthorizer,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
  Context,
} from 'aws-lambda';
import { type FunctionName, functions, type RouteDefinition } from '#shared/catalog.ts';

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
export type RequestAuthorizer = (
  event: APIGatewayRequestAuthorizerEvent,
  context: Context,
) => Promise<APIGatewayAuthorizerResult>;

export interface RestApiServerOptions {
  readonly routes: readonly RouteDefinition[];
  /** The handler of a function; may load it lazily. */
  handlerFor(functionName: FunctionName): ProxyHandler | Promise<ProxyHandler>;
  /** The Lambda REQUEST authorizer of `jwt` routes (identity source: the Authorization header). */
  readonly authorizer: RequestAuthorizer;
  /** Default `local`. */
  readonly stage?: string;
  /** Default `127.0.0.1`. */
  readonly host?: string;
  /** Default 0: a free port. */
  readonly port?: number;
  /** `awsRegion` of contexts and ARNs (default `AWS_REGION` or `eu-west-1`). */
  readonly region?: string;
}

export interface RestApiServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections and closes the open ones. */
  close(): Promise<void>;
}

/** API Gateway's request payload quota. */
export const maxRequestBodyBytes = 10 * 1024 * 1024;
/** Lambda's synchronous invocation payload quota (request; the response quota is 100 bytes more). */
export const maxLambdaPayloadBytes = 6 * 1024 * 1024;
const maxLambdaResponseBytes = maxLambdaPayloadBytes + 100;
/** API Gateway's default (and, for REST APIs, usual) integration timeout. */
const integrationTimeoutMs = 29_000;
const ACCOUNT_ID = '000000000000';
const API_ID = 'local';

interface GatewayError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

const gatewayError = (status: number, code: string, message: string): GatewayError => ({
  status,
  code,
  message,
});
const notFound = gatewayError(404, 'not_found', 'No such resource');
const internalError = gatewayError(500, 'internal_error', 'An internal error occurred');
const badGateway = gatewayError(502, 'internal_error', 'An internal error occurred');
const tooLarge = gatewayError(413, 'payload_too_large', 'The request body exceeds 10 MB');

// ---------------------------------------------------------------------------------------------
// Routing

interface CompiledRoute {
  readonly route: RouteDefinition;
  readonly segments: readonly ({ literal: string } | { param: string })[];
  readonly literals: number;
}

const splitPath = (path: string): string[] => {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.split('/').slice(1);
};

function compile(route: RouteDefinition): CompiledRoute {
  const segments = splitPath(route.path).map((segment) => {
    const param = /^\{([A-Za-z0-9_.-]+)\}$/.exec(segment)?.[1];
    return param ? { param } : { literal: segment };
  });
  return { route, segments, literals: segments.filter((s) => 'literal' in s).length };
}

const decodeSegment = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

interface Match {
  readonly route: RouteDefinition;
  readonly pathParameters: Record<string, string> | null;
}

/** The most specific route (most literal segments) whose template matches the path. */
function matchPath(
  compiled: readonly CompiledRoute[],
  path: string,
  method: string,
): Match | 'no_path' | 'no_method' {
  const parts = splitPath(path);
  let best: { compiled: CompiledRoute; params: Record<string, string> } | null = null;
  let pathMatched = false;
  for (const candidate of compiled) {
    if (candidate.segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const fits = candidate.segments.every((segment, i) => {
      const part = parts[i] as string;
      if ('literal' in segment) return decodeSegment(part) === segment.literal;
      if (part === '') return false;
      params[segment.param] = decodeSegment(part);
      return true;
    });
    if (!fits) continue;
    pathMatched = true;
    if (candidate.route.method !== method) continue;
    if (!best || candidate.literals > best.compiled.literals) best = { compiled: candidate, params };
  }
  if (!best) return pathMatched ? 'no_method' : 'no_path';
  return {
    route: best.compiled.route,
    pathParameters: Object.keys(best.params).length > 0 ? best.params : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Request parsing

interface ParsedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly multiValueHeaders: Record<string, string[]>;
  readonly query: Record<string, string> | null;
  readonly multiValueQuery: Record<string, string[]> | null;
  readonly sourceIp: string;
  readonly protocol: string;
  readonly requestId: string;
  readonly requestTimeEpoch: number;
}

/** Headers as API Gateway delivers them: the client's spelling, last value in `headers`, all in `multiValueHeaders`. */
function readHeaders(req: IncomingMessage, sourceIp: string, port: number) {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  const spelling = new Map<string, string>();
  const add = (rawName: string, value: string) => {
    const lower = rawName.toLowerCase();
    const name = spelling.get(lower) ?? rawName;
    spelling.set(lower, name);
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  };
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    add(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  }
  // What API Gateway adds in front of the integration.
  const forwardedFor = spelling.has('x-forwarded-for')
    ? `${headers[spelling.get('x-forwarded-for') as string]}, ${sourceIp}`
    : sourceIp;
  for (const [name, value] of [
    ['X-Forwarded-For', forwardedFor],
    ['X-Forwarded-Port', String(port)],
    ['X-Forwarded-Proto', 'http'],
    [
      'X-Amzn-Trace-Id',
      `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`,
    ],
  ] as const) {
    const existing = spelling.get(name.toLowerCase());
    if (existing) {
      delete headers[existing];
      delete multiValueHeaders[existing];
    }
    spelling.set(name.toLowerCase(), name);
    headers[name] = value;
    multiValueHeaders[name] = [value];
  }
  return { headers, multiValueHeaders, spelling };
}

function readQuery(search: string) {
  if (search === '' || search === '?') return { query: null, multiValueQuery: null };
  const query: Record<string, string> = {};
  const multiValueQuery: Record<string, string[]> = {};
  for (const [name, value] of new URLSearchParams(search)) {
    query[name] = value;
    multiValueQuery[name] = [...(multiValueQuery[name] ?? []), value];
  }
  return Object.keys(query).length > 0 ? { query, multiValueQuery } : { query: null, multiValueQuery: null };
}

/** Media type of a Content-Type, lower case, without parameters. */
const mediaType = (contentType: string | undefined): string =>
  (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

/** API Gateway's binary media type match: exact, `type/*`, or `*\/*`. */
function isBinary(contentType: string | undefined, binaryTypes: readonly string[]): boolean {
  const type = mediaType(contentType);
  if (type === '') return false;
  return binaryTypes.some((pattern) => {
    const wanted = pattern.toLowerCase();
    if (wanted === '*/*' || wanted === type) return true;
    return wanted.endsWith('/*') && type.startsWith(wanted.slice(0, -1));
  });
}

/** Reads the body, or gives up (without buffering the rest) once it passes `limit`. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve('too_large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit) {
        cleanup();
        req.pause();
        resolve('too_large');
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, total));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

// ---------------------------------------------------------------------------------------------
// IAM policy evaluation (the subset an authorizer's policy uses)

interface PolicyStatement {
  readonly Effect?: unknown;
  readonly Action?: unknown;
  readonly Resource?: unknown;
}

const asList = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value === undefined ? [] : [value];

/** IAM wildcard match: `*` any run of characters, `?` one character. */
function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, caseInsensitive ? 'is' : 's').test(value);
}

/** Allow when a statement allows `execute-api:Invoke` on the ARN and none denies it. */
export function policyAllows(policyDocument: unknown, methodArn: string): boolean {
  const statements = asList(
    (policyDocument as { Statement?: unknown } | null)?.Statement,
  ) as PolicyStatement[];
  let allowed = false;
  for (const statement of statements) {
    if (!statement || typeof statement !== 'object') continue;
    const actionMatches = asList(statement.Action).some(
      (action) => typeof action === 'string' && wildcardMatch(action, 'execute-api:Invoke', true),
    );
    const resourceMatches = asList(statement.Resource).some(
      (resource) => typeof resource === 'string' && wildcardMatch(resource, methodArn),
    );
    if (!actionMatches || !resourceMatches) continue;
    if (statement.Effect === 'Deny') return false;
    if (statement.Effect === 'Allow') allowed = true;
  }
  return allowed;
}

// ---------------------------------------------------------------------------------------------
// Lambda context

function lambdaContext(name: FunctionName, region: string, deadline: number): Context {
  const definition = functions[name];
  const functionName = `phishx-local-${name}`;
  const unsupported = () => {
    throw new Error('callback-style completion is not supported; return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: String(definition?.memoryMb ?? 128),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

class InvocationTimeout extends Error {}

/** Runs an invocation under the function's timeout (and the integration timeout, if shorter). */
async function invoke<T>(
  name: FunctionName,
  region: string,
  run: (context: Context) => Promise<T>,
): Promise<{ result: T } | { timeout: 'function' | 'integration' }> {
  const functionTimeoutMs = (functions[name]?.timeoutSeconds ?? 3) * 1000;
  const limitMs = Math.min(functionTimeoutMs, integrationTimeoutMs);
  const context = lambdaContext(name, region, Date.now() + functionTimeoutMs);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new InvocationTimeout()), limitMs);
  });
  try {
    return { result: await Promise.race([run(context), timeout]) };
  } catch (error) {
    if (error instanceof InvocationTimeout) {
      return { timeout: functionTimeoutMs <= integrationTimeoutMs ? 'function' : 'integration' };
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// Responses

function sendGatewayError(res: ServerResponse, requestId: string, error: GatewayError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code: error.code, message: error.message } });
  res.writeHead(error.status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': requestId,
  });
  res.end(body);
}

const hasBody = (req: IncomingMessage): boolean =>
  Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;

/** How much of an unwanted body we discard, and for how long, before we drop the connection. */
const lingerBytes = 10 * 1024 * 1024;
const lingerMs = 5000;

/**
 * Answers before (all of) the body was read. A client still sending would get EPIPE instead of
 * the answer if we closed at once, so the rest is read and thrown away (never buffered), up to
 * `lingerBytes` or `lingerMs`; past that the connection is dropped.
 */
function sendEarlyGatewayError(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  error: GatewayError,
) {
  if (hasBody(req) && !req.complete) {
    let discarded = 0;
    const timer = setTimeout(() => req.socket.destroy(), lingerMs);
    timer.unref();
    req.on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > lingerBytes) req.socket.destroy();
    });
    req.once('end', () => clearTimeout(timer));
    req.socket.once('close', () => clearTimeout(timer));
    req.resume();
  }
  sendGatewayError(res, requestId, error);
}

/** Writes a proxy result; false when it is not one API Gateway would accept. */
function sendProxyResult(res: ServerResponse, requestId: string, result: unknown): boolean {
  if (!result || typeof result !== 'object') return false;
  const { statusCode, headers, multiValueHeaders, body, isBase64Encoded } = result as Record<string, unknown>;
  if (
    typeof statusCode !== 'number' ||
    !Number.isInteger(statusCode) ||
    statusCode < 100 ||
    statusCode > 599
  ) {
    return false;
  }
  if (body !== undefined && body !== null && typeof body !== 'string') return false;
  if (JSON.stringify(result).length > maxLambdaResponseBytes) return false;

  const out = new Map<string, { name: string; values: string[] }>();
  const scalar = (value: unknown) => (typeof value === 'string' ? value : String(value));
  if (headers && typeof headers === 'object') {
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined && value !== null)
        out.set(name.toLowerCase(), { name, values: [scalar(value)] });
    }
  }
  // API Gateway merges both; for a name in both, multiValueHeaders wins.
  if (multiValueHeaders && typeof multiValueHeaders === 'object') {
    for (const [name, values] of Object.entries(multiValueHeaders)) {
      if (Array.isArray(values)) out.set(name.toLowerCase(), { name, values: values.map(scalar) });
    }
  }
  const payload =
    typeof body === 'string'
      ? isBase64Encoded === true
        ? Buffer.from(body, 'base64')
        : Buffer.from(body)
      : null;
  const outgoing: Record<string, string | string[]> = {};
  for (const { name, values } of out.values()) {
    const lower = name.toLowerCase();
    if (lower === 'content-length' || lower === 'transfer-encoding' || lower === 'connection') continue;
    outgoing[name] = values.length === 1 ? (values[0] as string) : values;
  }
  if (!out.has('content-type')) outgoing['Content-Type'] = 'application/json';
  outgoing['x-amzn-RequestId'] = requestId;
  outgoing['Content-Length'] = String(payload?.length ?? 0);
  try {
    res.writeHead(statusCode, outgoing);
  } catch {
    return false; // an invalid header name or value
  }
  res.end(payload ?? undefined);
  return true;
}

// ---------------------------------------------------------------------------------------------
// The server

export async function startRestApiServer(options: RestApiServerOptions): Promise<RestApiServer> {
  const stage = options.stage ?? 'local';
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? process.env.AWS_REGION ?? 'eu-west-1';
  const compiled = options.routes.map(compile);
  // Binary media types belong to the whole REST API in API Gateway; the catalog lists them per
  // route, and the CDK unions them, so the union applies to every route here too.
  const binaryTypes = [...new Set(options.routes.flatMap((r) => r.binaryMediaTypes ?? []))];
  let port = options.port ?? 0;

  const methodArn = (method: string, path: string) =>
    `arn:aws:execute-api:local:${ACCOUNT_ID}:${API_ID}/${stage}/${method}${path}`;

  const requestContext = (
    parsed: ParsedRequest,
    resource: string,
    domainName: string | undefined,
  ): APIGatewayEventRequestContextWithAuthorizer<undefined> => {
    const identity: APIGatewayEventIdentity = {
      accessKey: null,
      accountId: null,
      apiKey: null,
      apiKeyId: null,
      caller: null,
      clientCert: null,
      cognitoAuthenticationProvider: null,
      cognitoAuthenticationType: null,
      cognitoIdentityId: null,
      cognitoIdentityPoolId: null,
      principalOrgId: null,
      sourceIp: parsed.sourceIp,
      user: null,
      userAgent:
        parsed.headers[Object.keys(parsed.headers).find((h) => h.toLowerCase() === 'user-agent') ?? ''] ??
        null,
      userArn: null,
    };
    return {
      accountId: ACCOUNT_ID,
      apiId: API_ID,
      authorizer: undefined,
      domainName,
      domainPrefix: domainName?.split('.')[0],
      extendedRequestId: randomBytes(8).toString('base64url'),
      httpMethod: parsed.method,
      identity,
      path: `/${stage}${parsed.path}`,
      protocol: parsed.protocol,
      requestId: parsed.requestId,
      requestTime: formatRequestTime(parsed.requestTimeEpoch),
      requestTimeEpoch: parsed.requestTimeEpoch,
      resourceId: 'local',
      resourcePath: resource,
      stage,
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://local');
    const rawPath = (req.url ?? '/').split('?')[0] || '/';
    const method = (req.method ?? 'GET').toUpperCase();
    const match = matchPath(compiled, rawPath, method);
    if (typeof match === 'string') {
      // API Gateway answers MISSING_AUTHENTICATION_TOKEN for both; the CDK maps it to 404.
      sendEarlyGatewayError(req, res, requestId, notFound);
      return;
    }
    const { route, pathParameters } = match;

    const body = await readBody(req, maxRequestBodyBytes);
    if (body === 'too_large') {
      sendEarlyGatewayError(req, res, requestId, tooLarge);
      return;
    }

    const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    const { headers, multiValueHeaders, spelling } = readHeaders(req, sourceIp, port);
    const { query, multiValueQuery } = readQuery(url.search);
    const parsed: ParsedRequest = {
      method,
      path: rawPath,
      headers,
      multiValueHeaders,
      query,
      multiValueQuery,
      sourceIp,
      protocol: `HTTP/${req.httpVersion}`,
      requestId,
      requestTimeEpoch: Date.now(),
    };
    const hostHeader = headers[spelling.get('host') ?? ''];
    const context = requestContext(parsed, route.path, hostHeader);

    let authorizerContext: Record<string, string | number> | undefined;
    if (route.auth === 'jwt') {
      const authorization = headers[spelling.get('authorization') ?? ''];
      if (authorization === undefined || authorization.trim() === '') {
        // Identity source missing: API Gateway answers UNAUTHORIZED without calling the authorizer.
        sendGatewayError(
          res,
          requestId,
          gatewayError(401, 'missing_token', 'Send the header Authorization: Bearer <access token>'),
        );
        return;
      }
      const arn = methodArn(method, rawPath);
      const authorizerEvent: APIGatewayRequestAuthorizerEvent = {
        type: 'REQUEST',
        methodArn: arn,
        resource: route.path,
        path: rawPath,
        httpMethod: method,
        headers,
        multiValueHeaders,
        pathParameters,
        queryStringParameters: query,
        multiValueQueryStringParameters: multiValueQuery,
        stageVariables: null,
        requestContext: context,
      };
      let outcome: Awaited<ReturnType<typeof invoke<APIGatewayAuthorizerResult>>>;
      try {
        outcome = await invoke('authorizer', region, (ctx) => options.authorizer(authorizerEvent, ctx));
      } catch (error) {
        // `throw new Error('Unauthorized')` is the documented way to answer 401; anything else is AUTHORIZER_FAILURE.
        if (error instanceof Error && error.message === 'Unauthorized') {
          sendGatewayError(res, requestId, gatewayError(401, 'invalid_token', 'Unauthorized'));
        } else {
          sendGatewayError(res, requestId, internalError);
        }
        return;
      }
      if ('timeout' in outcome) {
        sendGatewayError(res, requestId, internalError);
        return;
      }
      const result = outcome.result;
      const authContext = validAuthorizerContext(result);
      if (!result || typeof result.principalId !== 'string' || authContext === null) {
        // AUTHORIZER_CONFIGURATION_ERROR
        sendGatewayError(res, requestId, internalError);
        return;
      }
      if (!policyAllows(result.policyDocument, arn)) {
        const code = typeof authContext.code === 'string' ? authContext.code : 'invalid_token';
        const message = typeof authContext.message === 'string' ? authContext.message : 'Unauthorized';
        sendGatewayError(res, requestId, gatewayError(401, code, message));
        return;
      }
      authorizerContext = { ...authContext, principalId: result.principalId, integrationLatency: 0 };
    }

    const binary = body.length > 0 && isBinary(headers[spelling.get('content-type') ?? ''], binaryTypes);
    const event: APIGatewayProxyEvent = {
      resource: route.path,
      path: rawPath,
      httpMethod: method,
      headers,
      multiValueHeaders,
      queryStringParameters: query,
      multiValueQueryStringParameters: multiValueQuery,
      pathParameters,
      stageVariables: null,
      requestContext: { ...context, authorizer: authorizerContext },
      body: body.length === 0 ? null : binary ? body.toString('base64') : body.toString('utf8'),
      isBase64Encoded: binary,
    };
    if (Buffer.byteLength(JSON.stringify(event)) > maxLambdaPayloadBytes) {
      // Lambda refuses the invocation (RequestEntityTooLargeException); API Gateway answers 413.
      sendGatewayError(
        res,
        requestId,
        gatewayError(413, 'payload_too_large', 'The request exceeds the 6 MB Lambda payload limit'),
      );
      return;
    }

    let outcome: Awaited<ReturnType<typeof invoke<APIGatewayProxyResult>>>;
    try {
      const handler = await options.handlerFor(route.function);
      outcome = await invoke(route.function, region, (ctx) => handler(event, ctx));
    } catch {
      // A function error: API Gateway answers 502 and tells the caller nothing more.
      sendGatewayError(res, requestId, badGateway);
      return;
    }
    if ('timeout' in outcome) {
      sendGatewayError(
        res,
        requestId,
        outcome.timeout === 'function'
          ? badGateway
          : gatewayError(504, 'gateway_timeout', 'Endpoint request timed out'),
      );
      return;
    }
    if (!sendProxyResult(res, requestId, outcome.result)) sendGatewayError(res, requestId, badGateway);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => sendGatewayError(res, randomUUID(), internalError));
  });
  // A client that announces a body over the limit gets its 413 before sending it.
  server.on('checkContinue', (req, res) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxRequestBodyBytes) {
      sendEarlyGatewayError(req, res, randomUUID(), tooLarge);
      return;
    }
    res.writeContinue();
    server.emit('request', req, res);
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable)
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * The authorizer's context as the integration sees it: API Gateway accepts string, number and
 * boolean values and hands them on as strings; an object or array is a configuration error (null).
 */
function validAuthorizerContext(
  result: APIGatewayAuthorizerResult | undefined,
): Record<string, string> | null {
  const context = result?.context;
  if (context === undefined || context === null) return {};
  if (typeof context !== 'object' || Array.isArray(context)) return null;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(context)) {
    if (value === null || value === undefined) continue;
    if (!['string', 'number', 'boolean'].includes(typeof value)) return null;
    out[key] = String(value);
  }
  return out;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `09/Apr/2015:12:34:56 +0000`, API Gateway's `requestTime`. */
function formatRequestTime(epochMs: number): string {
  const d = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())} +0000`;
}
