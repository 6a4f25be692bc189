import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
  Context,
} from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  policyAllows,
  type RequestAuthorizer,
  type RestApiServer,
  startRestApiServer,
} from '#adapters/local/rest-api-server.ts';
import { type FunctionName, routes } from '#shared/catalog.ts';

interface Call {
  readonly event: APIGatewayProxyEvent;
  readonly context: Context;
  readonly remainingMs: number;
}

const calls: Call[] = [];
const authorizerCalls: APIGatewayRequestAuthorizerEvent[] = [];
let respond: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
let authorize: RequestAuthorizer;

const allow = (
  principalId: string,
  resource: string,
  context: Record<string, string | number | boolean> = {},
) =>
  ({
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resource }],
    },
    context,
  }) satisfies APIGatewayAuthorizerResult;

const deny = (resource: string, context?: Record<string, string>): APIGatewayAuthorizerResult => ({
  principalId: 'anonymous',
  policyDocument: {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: resource }],
  },
  ...(context && { context }),
});

let server: RestApiServer;

beforeAll(async () => {
  server = await startRestApiServer({
    routes,
    handlerFor: (_name: FunctionName) => async (event, context) => {
      calls.push({ event, context, remainingMs: context.getRemainingTimeInMillis() });
      return respond(event);
    },
    authorizer: async (event, _context) => {
      authorizerCalls.push(event);
      return authorize(event, _context);
    },
  });
});

afterAll(() => server.close());

beforeEach(() => {
  calls.length = 0;
  authorizerCalls.length = 0;
  respond = async () => ({ statusCode: 200, body: '{"ok":true}' });
  authorize = async (event) =>
    allow('user-1', event.methodArn, { tenant: 't1', role: 'analyst', scope: 'read' });
});

const errorOf = async (response: Response): Promise<{ code: string; message: string }> =>
  ((await response.json()) as { error: { code: string; message: string } }).error;

const lastCall = (): Call => {
  const call = calls.at(-1);
  if (!call) throw new Error('the handler was not called');
  return call;
};

const bearer = { Authorization: 'Bearer a.b.c' };

/** A request with exact header spelling and repeats (fetch lower-cases and merges them), over a raw socket. */
function rawRequest(
  path: string,
  headers: [string, string][],
  method = 'GET',
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: server.port }, () => {
      const lines = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${server.port}`, 'Connection: close'];
      for (const [name, value] of headers) lines.push(`${name}: ${value}`);
      socket.end(`${lines.join('\r\n')}\r\n\r\n`);
    });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString();
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0), text });
    });
  });
}

describe('REST API server: the proxy event', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it('builds a v1 REST proxy event and a Lambda context', async () => {
    const before = Date.now();
    const response = await fetch(`${server.url}/health`, { headers: { 'User-Agent': 'vitest' } });
    expect(response.status).toBe(200);
    const { event, context, remainingMs } = lastCall();
    expect(event).toMatchObject({
      resource: '/health',
      path: '/health',
      httpMethod: 'GET',
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: null,
      stageVariables: null,
      body: null,
      isBase64Encoded: false,
    });
    expect(event.requestContext).toMatchObject({
      accountId: '000000000000',
      apiId: 'local',
      stage: 'local',
      resourcePath: '/health',
      httpMethod: 'GET',
      path: '/local/health',
      protocol: 'HTTP/1.1',
      identity: { sourceIp: '127.0.0.1', userAgent: 'vitest' },
    });
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.requestContext.requestTimeEpoch).toBeGreaterThanOrEqual(before);
    expect(event.requestContext.authorizer).toBeUndefined();
    expect(event.headers['X-Forwarded-For']).toBe('127.0.0.1');
    expect(event.headers['X-Forwarded-Proto']).toBe('http');
    expect(response.headers.get('x-amzn-requestid')).toBe(event.requestContext.requestId);

    expect(context.functionName).toBe('phishx-local-health');
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context.invokedFunctionArn).toMatch(
      /^arn:aws:lambda:[a-z0-9-]+:000000000000:function:phishx-local-health$/,
    );
    expect(context.memoryLimitInMB).toBe('256');
    expect(remainingMs).toBeGreaterThan(0);
    expect(remainingMs).toBeLessThanOrEqual(5000);
  });

  it('passes headers with their spelling, the last value in headers and all in multiValueHeaders', async () => {
    const { status } = await rawRequest('/health', [
      ['X-Custom-Thing', 'one'],
      ['x-custom-thing', 'two'],
      ['Accept', 'application/json'],
    ]);
    expect(status).toBe(200);
    const { event } = lastCall();
    expect(event.headers['X-Custom-Thing']).toBe('two');
    expect(event.multiValueHeaders['X-Custom-Thing']).toEqual(['one', 'two']);
    expect(event.headers.Accept).toBe('application/json');
    expect(event.headers.Host).toBe(`127.0.0.1:${server.port}`);
  });

  it('parses query strings into single and multi-value parameters', async () => {
    await fetch(`${server.url}/health?a=1&a=2&b=x%20y&empty=`);
    const { event } = lastCall();
    expect(event.queryStringParameters).toEqual({ a: '2', b: 'x y', empty: '' });
    expect(event.multiValueQueryStringParameters).toEqual({ a: ['1', '2'], b: ['x y'], empty: [''] });
  });

  it('matches path parameters against the route template and decodes them', async () => {
    await fetch(`${server.url}/v1/emails/abc%20d%C3%A9f`, { headers: bearer });
    const { event } = lastCall();
    expect(event.resource).toBe('/v1/emails/{id}');
    expect(event.path).toBe('/v1/emails/abc%20d%C3%A9f');
    expect(event.pathParameters).toEqual({ id: 'abc déf' });
    expect(event.requestContext.resourcePath).toBe('/v1/emails/{id}');
  });

  it('delivers a text body as UTF-8', async () => {
    const json = JSON.stringify({ username: 'zoë', password: 'pässword 🔑' });
    await fetch(`${server.url}/v1/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: json,
    });
    const { event } = lastCall();
    expect(event.isBase64Encoded).toBe(false);
    expect(event.body).toBe(json);
  });

  it('delivers a binary media type base64-encoded and round-trips arbitrary bytes', async () => {
    const bytes = Buffer.concat([
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
      randomBytes(64 * 1024),
    ]);
    respond = async (event) => ({
      statusCode: 202,
      headers: { 'Content-Type': 'application/octet-stream' },
      body: event.body ?? '',
      isBase64Encoded: true,
    });
    const response = await fetch(`${server.url}/v1/emails`, {
      method: 'POST',
      headers: { ...bearer, 'Content-Type': 'message/rfc822; charset=binary' },
      body: bytes,
    });
    const { event } = lastCall();
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body ?? '', 'base64').equals(bytes)).toBe(true);
    expect(response.status).toBe(202);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('writes the status, headers and multi-value headers of the result', async () => {
    respond = async () => ({
      statusCode: 201,
      headers: { 'X-One': 'a', 'X-Both': 'from-headers' },
      multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'], 'X-Both': ['from-multi'] },
      body: 'created',
    });
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(201);
    expect(response.headers.get('x-one')).toBe('a');
    expect(response.headers.get('x-both')).toBe('from-multi');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(response.headers.get('content-type')).toBe('application/json'); // API Gateway's default
    expect(await response.text()).toBe('created');
  });
});

describe('REST API server: the Lambda authorizer', () => {
  it('answers 401 missing_token without calling the authorizer when there is no Authorization header', async () => {
    const response = await fetch(`${server.url}/v1/emails/abc`);
    expect(response.status).toBe(401);
    expect((await errorOf(response)).code).toBe('missing_token');
    expect(authorizerCalls).toHaveLength(0);
    expect(calls).toHaveLength(0);
  });

  it('sends a REQUEST event and puts the allowed principal and context into requestContext.authorizer', async () => {
    authorize = async (event) =>
      allow('user-1', event.methodArn, { tenant: 't1', role: 'analyst', scope: 'read', n: 3, b: true });
    const response = await fetch(`${server.url}/v1/emails/abc?x=1`, { headers: bearer });
    expect(response.status).toBe(200);
    const [authEvent] = authorizerCalls;
    expect(authEvent).toMatchObject({
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:local:000000000000:local/local/GET/v1/emails/abc',
      resource: '/v1/emails/{id}',
      path: '/v1/emails/abc',
      httpMethod: 'GET',
      pathParameters: { id: 'abc' },
      queryStringParameters: { x: '1' },
      stageVariables: null,
      headers: expect.objectContaining({ Authorization: 'Bearer a.b.c' }),
    });
    expect(lastCall().event.requestContext.authorizer).toEqual({
      principalId: 'user-1',
      tenant: 't1',
      role: 'analyst',
      scope: 'read',
      n: '3',
      b: 'true',
      integrationLatency: 0,
    });
  });

  it('answers 401 with the code and message of a Deny', async () => {
    authorize = async (event) =>
      deny(event.methodArn, { code: 'token_expired', message: 'The token has expired' });
    const response = await fetch(`${server.url}/v1/emails/abc`, { headers: bearer });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: { code: 'token_expired', message: 'The token has expired' },
    });
    expect(calls).toHaveLength(0);
  });

  it('answers 401 invalid_token for a Deny without context', async () => {
    authorize = async (event) => deny(event.methodArn);
    const response = await fetch(`${server.url}/v1/emails/abc`, { headers: bearer });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { code: 'invalid_token', message: 'Unauthorized' } });
  });

  it('denies when the Allow covers another resource, and allows a wildcard that covers this one', async () => {
    authorize = async () => allow('u', 'arn:aws:execute-api:local:000000000000:local/local/POST/*');
    expect((await fetch(`${server.url}/v1/emails/abc`, { headers: bearer })).status).toBe(401);
    authorize = async () => allow('u', 'arn:aws:execute-api:local:000000000000:local/local/GET/v1/emails/*');
    expect((await fetch(`${server.url}/v1/emails/abc`, { headers: bearer })).status).toBe(200);
  });

  it('lets an explicit Deny win over an Allow', async () => {
    authorize = async (event) => ({
      principalId: 'u',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' },
          { Action: 'execute-api:*', Effect: 'Deny', Resource: event.methodArn },
        ],
      },
    });
    expect((await fetch(`${server.url}/v1/emails/abc`, { headers: bearer })).status).toBe(401);
  });

  it("answers 401 when the authorizer throws 'Unauthorized' and 500 for any other error", async () => {
    authorize = async () => {
      throw new Error('Unauthorized');
    };
    const unauthorized = await fetch(`${server.url}/v1/emails/abc`, { headers: bearer });
    expect(unauthorized.status).toBe(401);
    expect((await errorOf(unauthorized)).code).toBe('invalid_token');

    authorize = async () => {
      throw new Error('database exploded at /secret/path.ts:12');
    };
    const failed = await fetch(`${server.url}/v1/emails/abc`, { headers: bearer });
    expect(failed.status).toBe(500);
    const text = await failed.text();
    expect(JSON.parse(text).error.code).toBe('internal_error');
    expect(text).not.toContain('exploded');
    expect(calls).toHaveLength(0);
  });

  it('answers 500 when the authorizer returns a context API Gateway refuses', async () => {
    authorize = async (event) =>
      ({
        ...allow('u', event.methodArn),
        context: { nested: { no: 'objects' } },
      }) as unknown as APIGatewayAuthorizerResult;
    expect((await fetch(`${server.url}/v1/emails/abc`, { headers: bearer })).status).toBe(500);
  });

  it('does not call the authorizer on public routes', async () => {
    expect((await fetch(`${server.url}/health`, { headers: bearer })).status).toBe(200);
    expect(authorizerCalls).toHaveLength(0);
  });
});

describe('policyAllows', () => {
  const arn = 'arn:aws:execute-api:local:000000000000:local/local/GET/v1/emails/abc';
  const doc = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });

  it('matches actions and resources with IAM wildcards', () => {
    expect(policyAllows(doc({ Effect: 'Allow', Action: '*', Resource: '*' }), arn)).toBe(true);
    expect(
      policyAllows(doc({ Effect: 'Allow', Action: ['s3:*', 'execute-api:*'], Resource: [arn] }), arn),
    ).toBe(true);
    expect(policyAllows(doc({ Effect: 'Allow', Action: 'EXECUTE-API:invoke', Resource: arn }), arn)).toBe(
      true,
    );
    expect(
      policyAllows(
        doc({ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: `${arn.slice(0, -1)}?` }),
        arn,
      ),
    ).toBe(true);
    expect(policyAllows(doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }), arn)).toBe(false);
    expect(
      policyAllows(doc({ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: `${arn}x` }), arn),
    ).toBe(false);
    // A regex metacharacter in a resource is literal.
    expect(policyAllows(doc({ Effect: 'Allow', Action: '*', Resource: 'arn.aws*' }), arn)).toBe(false);
  });

  it('accepts a single statement object and denies by default', () => {
    expect(policyAllows({ Statement: { Effect: 'Allow', Action: '*', Resource: arn } }, arn)).toBe(true);
    expect(policyAllows({ Statement: [] }, arn)).toBe(false);
    expect(policyAllows(null, arn)).toBe(false);
    expect(policyAllows(doc({ Effect: 'allow', Action: '*', Resource: arn }), arn)).toBe(false);
  });
});

describe('REST API server: gateway errors', () => {
  it('answers 404 not_found for an unknown path and for a known path with another method', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['PUT', '/v1/emails'],
      ['DELETE', '/health'],
      ['GET', '/v1/emails/a/b'],
    ] as const) {
      const response = await fetch(`${server.url}${path}`, { method, headers: bearer });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect((await errorOf(response)).code).toBe('not_found');
    }
    expect(calls).toHaveLength(0);
    expect(authorizerCalls).toHaveLength(0);
  });

  it('answers 413 for a declared body over 10 MB without calling anything', async () => {
    const response = await fetch(`${server.url}/v1/emails`, {
      method: 'POST',
      headers: { ...bearer, 'Content-Type': 'message/rfc822' },
      body: Buffer.alloc(10 * 1024 * 1024 + 1, 0x61),
    });
    expect(response.status).toBe(413);
    expect((await errorOf(response)).code).toBe('payload_too_large');
    expect(calls).toHaveLength(0);
  });

  /** A chunked body of `megabytes` MiB (endless when Infinity); `sent()` counts what was pulled. */
  const streamedBody = (megabytes: number) => {
    const chunk = new Uint8Array(1024 * 1024).fill(0x61);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= megabytes) controller.close();
        else {
          sent++;
          controller.enqueue(chunk);
        }
      },
    });
    return { body, sent: () => sent };
  };
  const postStream = (body: ReadableStream<Uint8Array>) =>
    fetch(`${server.url}/v1/emails`, {
      method: 'POST',
      headers: { ...bearer, 'Content-Type': 'message/rfc822' },
      body,
      duplex: 'half',
    } as RequestInit);

  it('answers 413 for a streamed body once it passes 10 MB', async () => {
    const { body } = streamedBody(16);
    const response = await postStream(body);
    expect(response.status).toBe(413);
    expect((await errorOf(response)).code).toBe('payload_too_large');
    expect(calls).toHaveLength(0);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('drops a connection that keeps sending long after its 413', async () => {
    const { body, sent } = streamedBody(Number.POSITIVE_INFINITY);
    // The client may read the 413 or see the connection dropped; it must not hang.
    const outcome = await postStream(body).then(
      (r) => r.status,
      () => 'dropped',
    );
    expect([413, 'dropped']).toContain(outcome);
    expect(sent()).toBeLessThan(64); // 10 MB read + at most 10 MB discarded, plus what sits in socket buffers
    expect(calls).toHaveLength(0);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('answers 413 instead of 100 Continue when Expect: 100-continue announces too much', async () => {
    const { status, text } = await rawRequest(
      '/v1/emails',
      [
        ['Authorization', 'Bearer a.b.c'],
        ['Content-Type', 'message/rfc822'],
        ['Content-Length', String(20 * 1024 * 1024)],
        ['Expect', '100-continue'],
      ],
      'POST',
    );
    expect(status).toBe(413);
    expect(text).not.toContain('100 Continue');
    expect(text).toContain('payload_too_large');
  });

  it('answers 413 when the base64 event would exceed the 6 MB Lambda payload', async () => {
    const response = await fetch(`${server.url}/v1/emails`, {
      method: 'POST',
      headers: { ...bearer, 'Content-Type': 'message/rfc822' },
      body: Buffer.alloc(5 * 1024 * 1024, 0x61), // 6.67 MiB once base64-encoded
    });
    expect(response.status).toBe(413);
    expect(calls).toHaveLength(0);
  });

  it('answers 502 internal_error when the handler throws, without leaking it', async () => {
    respond = async () => {
      throw new Error('secret detail at handler.ts:42');
    };
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(502);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'internal_error', message: expect.any(String) } });
    expect(text).not.toMatch(/secret|handler\.ts/);
  });

  it('answers 502 for a result API Gateway cannot use', async () => {
    for (const bad of [
      undefined,
      'just a string',
      { body: 'no status' },
      { statusCode: 200, body: { not: 'a string' } },
      { statusCode: 99 },
    ]) {
      respond = async () => bad as unknown as APIGatewayProxyResult;
      expect((await fetch(`${server.url}/health`)).status, JSON.stringify(bad)).toBe(502);
    }
  });
});

describe('REST API server: lifecycle', () => {
  it('starts on a given host and port and closes with keep-alive connections open', async () => {
    const other = await startRestApiServer({
      routes,
      handlerFor: () => async () => ({ statusCode: 204, body: '' }),
      authorizer: async () => {
        throw new Error('Unauthorized');
      },
      stage: 'dev',
    });
    expect((await fetch(`${other.url}/health`)).status).toBe(204);
    await other.close();
    await expect(fetch(`${other.url}/health`)).rejects.toThrow();
  });
});
