/**
 * The public REST API, built from the route table (lambdas/shared/catalog.ts). A REST API, not
 * an HTTP API, because WAF attaches only to REST APIs. Lambda proxy integrations deliver
 * payload format 1.0 events (`APIGatewayProxyEvent`).
 *
 * Bearer-token routes go through a Lambda REQUEST authorizer with caching off, so a revoked or
 * expired token fails at once. Every error API Gateway itself answers has the same body shape
 * as the handlers' errors: `{"error":{"code":"...","message":"..."}}`.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  IdentitySource,
  LambdaIntegration,
  LogGroupLogDestination,
  type Method,
  MethodLoggingLevel,
  RequestAuthorizer,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionName, RouteDefinition } from '../../lambdas/shared/catalog.ts';
import type { StageConfig } from '../config/stage-config.ts';
import { ApiWaf } from './api-waf.ts';

export interface PhishxRestApiProps {
  readonly config: StageConfig;
  readonly apiName: string;
  readonly routes: readonly RouteDefinition[];
  /** The function behind each route, by catalog name. */
  readonly handlers: Readonly<Partial<Record<FunctionName, IFunction>>>;
  /** Verifies bearer tokens; answers Deny with context `{ code, message }` for a bad token. */
  readonly authorizer: IFunction;
}

/** Response headers on every API Gateway-generated response (values are quoted literals). */
export const gatewaySecurityHeaders: Readonly<Record<string, string>> = {
  'Strict-Transport-Security': "'max-age=31536000; includeSubDomains'",
  'X-Content-Type-Options': "'nosniff'",
  'Cache-Control': "'no-store'",
};

const errorBody = (code: string, message: string): string => JSON.stringify({ error: { code, message } });

/** API Gateway's own errors, mapped to the application's error shape. */
export const gatewayErrors: readonly {
  readonly type: ResponseType;
  /** Unset: keep API Gateway's status (DEFAULT_4XX covers 400, 403, 415 and more). */
  readonly statusCode?: string;
  readonly body: string;
}[] = [
  // No Authorization header: the authorizer is not even called.
  {
    type: ResponseType.UNAUTHORIZED,
    statusCode: '401',
    body: errorBody('missing_token', 'A bearer token is required'),
  },
  // The authorizer said Deny; it explains why in its context (a velocity template, unquoted).
  {
    type: ResponseType.ACCESS_DENIED,
    statusCode: '401',
    body: '{"error":{"code":"$context.authorizer.code","message":"$context.authorizer.message"}}',
  },
  // REST APIs answer an unknown path or method with "Missing Authentication Token".
  {
    type: ResponseType.MISSING_AUTHENTICATION_TOKEN,
    statusCode: '404',
    body: errorBody('not_found', 'No such resource'),
  },
  {
    type: ResponseType.REQUEST_TOO_LARGE,
    statusCode: '413',
    body: errorBody('payload_too_large', 'The request body is too large'),
  },
  { type: ResponseType.THROTTLED, statusCode: '429', body: errorBody('rate_limited', 'Too many requests') },
  { type: ResponseType.DEFAULT_4XX, body: errorBody('bad_request', 'The request is invalid') },
  { type: ResponseType.DEFAULT_5XX, body: errorBody('internal_error', 'Internal error') },
];

const accessLogFormat = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    extendedRequestId: '$context.extendedRequestId',
    requestTime: '$context.requestTimeEpoch',
    ip: '$context.identity.sourceIp',
    httpMethod: '$context.httpMethod',
    resourcePath: '$context.resourcePath',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    latencyMs: '$context.responseLatency',
    integrationLatencyMs: '$context.integrationLatency',
    errorType: '$context.error.responseType',
    authorizerStatus: '$context.authorizer.status',
    authorizerError: '$context.authorizer.error',
    authorizerCode: '$context.authorizer.code',
    xrayTraceId: '$context.xrayTraceId',
  }),
);

export class PhishxRestApi extends Construct {
  public readonly api: RestApi;
  public readonly authorizer: RequestAuthorizer;
  public readonly accessLogGroup: LogGroup;
  public readonly waf: ApiWaf;
  /** Every method, keyed `METHOD path` as in the route table. */
  public readonly methods: ReadonlyMap<string, Method>;

  constructor(scope: Construct, id: string, props: PhishxRestApiProps) {
    super(scope, id);
    const { config, routes } = props;
    const binaryMediaTypes = [...new Set(routes.flatMap((route) => route.binaryMediaTypes ?? []))];

    this.accessLogGroup = new LogGroup(this, 'AccessLogs', {
      retention: config.logRetention,
      removalPolicy: config.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    const corsMethods = [...new Set(routes.map((route) => route.method))];
    this.api = new RestApi(this, 'Api', {
      restApiName: props.apiName,
      description: `PhishX ${config.stage} API`,
      endpointTypes: [EndpointType.REGIONAL],
      binaryMediaTypes,
      failOnWarnings: true,
      // Access and execution logging need the account's API Gateway CloudWatch role. Retained:
      // it is one setting per account and region, shared with anything else there.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: config.stage,
        accessLogDestination: new LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat,
        tracingEnabled: true,
        metricsEnabled: true,
        // Errors only, never request or response bodies: they carry email content.
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        throttlingRateLimit: config.apiThrottle.rateLimit,
        throttlingBurstLimit: config.apiThrottle.burstLimit,
      },
      ...(config.corsAllowOrigins.length > 0
        ? {
            defaultCorsPreflightOptions: {
              allowOrigins: [...config.corsAllowOrigins],
              allowMethods: corsMethods,
              allowHeaders: ['Authorization', 'Content-Type'],
              maxAge: Duration.minutes(10),
            },
          }
        : {}),
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'Bodies are validated by each handler (schema, size, media type) with typed errors in the API ' +
        'error shape; an API Gateway model would duplicate the schema and answer in another shape.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'The account-level API Gateway logging role uses the AWS-managed policy API Gateway documents for ' +
        'it; it only writes API Gateway logs.',
    });

    this.waf = new ApiWaf(this, 'Waf', { name: `${props.apiName}-waf`, stage: this.api.deploymentStage });

    this.authorizer = new RequestAuthorizer(this, 'Authorizer', {
      authorizerName: `${props.apiName}-bearer`,
      handler: props.authorizer,
      identitySources: [IdentitySource.header('Authorization')],
      // No caching: a revoked or expired token is refused on the next request.
      resultsCacheTtl: Duration.seconds(0),
    });

    for (const { type, statusCode, body } of gatewayErrors) {
      this.api.addGatewayResponse(`Gateway${type.responseType}`, {
        type,
        ...(statusCode ? { statusCode } : {}),
        responseHeaders: { ...gatewaySecurityHeaders },
        templates: { 'application/json': body },
      });
    }

    const integrations = new Map<FunctionName, LambdaIntegration>();
    const integrationFor = (name: FunctionName): LambdaIntegration => {
      let integration = integrations.get(name);
      if (!integration) {
        const handler = props.handlers[name];
        if (!handler) throw new Error(`Route table names function "${name}", but no such function was given`);
        integration = new LambdaIntegration(handler, { proxy: true, allowTestInvoke: false });
        integrations.set(name, integration);
      }
      return integration;
    };

    const methods = new Map<string, Method>();
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      if (methods.has(key)) throw new Error(`Route ${key} is defined twice`);
      const resource = this.api.root.resourceForPath(route.path);
      const method = resource.addMethod(
        route.method,
        integrationFor(route.function),
        route.auth === 'jwt'
          ? { authorizer: this.authorizer, authorizationType: AuthorizationType.CUSTOM }
          : { authorizationType: AuthorizationType.NONE },
      );
      if (route.auth === 'jwt') {
        Validations.of(method).acknowledge({
          id: 'AwsSolutions-COG4',
          reason:
            'Bearer tokens are EdDSA JWTs issued by this application and verified by a Lambda REQUEST authorizer.',
        });
      } else {
        const reason = `${key} is public by design (the token endpoint and health check need no token).`;
        Validations.of(method).acknowledge({ id: 'AwsSolutions-APIG4', reason });
        Validations.of(method).acknowledge({ id: 'AwsSolutions-COG4', reason });
      }
      methods.set(key, method);
    }
    this.methods = methods;
  }
}
