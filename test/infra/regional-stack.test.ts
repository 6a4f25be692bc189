import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { verdicts } from '../../lambdas/core/detection/analysis.ts';
import { analysisQueue, functions, routes } from '../../lambdas/shared/catalog.ts';
import { envNames } from '../../lambdas/shared/env.ts';
import { stageNames } from '../../lib/config/names.ts';
import { stageRegions } from '../../lib/config/stage-config.ts';
import { applicationMetrics } from '../../lib/constructs/observability.ts';
import { gatewayErrors, gatewaySecurityHeaders } from '../../lib/constructs/rest-api.ts';
import { buildStage, referencedId, resourceOf, resourcesOf } from './support.ts';

const dev = buildStage('dev');
const prod = buildStage('prod');
const catalog = Object.values(functions);

const cases = [...dev.regionalStacks.values(), ...prod.regionalStacks.values()].map((stack) => {
  const built = stack.stackName.startsWith('phishx-dev') ? dev : prod;
  return [stack.stackName, { built, stack, template: built.template(stack) }] as const;
});

describe('regional stacks', () => {
  it('exist once per region of each stage, with an explicit environment', () => {
    for (const built of [dev, prod]) {
      expect([...built.regionalStacks.keys()]).toEqual(stageRegions(built.config));
      for (const [region, stack] of built.regionalStacks) {
        expect(stack.region).toBe(region);
        expect(stack.account).toBe(built.config.account);
        expect(stack.dependencies).toContain(built.dataStack);
      }
    }
  });
});

describe.each(cases)('%s', (_name, { built, stack, template }) => {
  const names = stageNames(built.config);
  const functionIds = new Map(
    resourcesOf(template, 'AWS::Lambda::Function').map(([id, resource]) => [
      resource.Properties?.FunctionName,
      id,
    ]),
  );
  const functionId = (name: string): string => {
    const id = functionIds.get(names.functionName(name));
    if (!id) throw new Error(`No function ${name}`);
    return id;
  };

  describe('functions', () => {
    it('has exactly the catalog functions (ingest-ses only where SES receives mail)', () => {
      const receives = built.config.sesInbound?.regions.includes(stack.region) ?? false;
      const deployed = catalog.filter((definition) => receives || !definition.access.mailBucket);
      const own = [...functionIds.keys()].filter((name) =>
        String(name).startsWith(`phishx-${built.config.stage}-`),
      );
      expect(own.sort()).toEqual(deployed.map((definition) => names.functionName(definition.name)).sort());
      // The only other function: CDK's AwsCustomResource provider (activates the SES rule set).
      expect(functionIds.size - own.length).toBe(receives ? 1 : 0);
    });

    it.each(catalog)(
      '$name runs nodejs22.x on arm64 with tracing, its catalog size and its own log group',
      (definition) => {
        const fn = resourceOf(template, functionId(definition.name));
        expect(fn.Properties).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          TracingConfig: { Mode: 'Active' },
          MemorySize: definition.memoryMb,
          Timeout: definition.timeoutSeconds,
          Description: definition.description,
        });
        const logGroupId = referencedId((fn.Properties?.LoggingConfig as { LogGroup?: unknown }).LogGroup);
        expect(logGroupId).toBeDefined();
        const logGroup = resourceOf(template, logGroupId ?? '');
        expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
        expect(logGroup.Properties?.RetentionInDays).toBe(built.config.logRetention);
      },
    );

    it.each(catalog)(
      '$name gets the environment its catalog access implies, and nothing more',
      (definition) => {
        const variables = (
          resourceOf(template, functionId(definition.name)).Properties?.Environment as {
            Variables: Record<string, unknown>;
          }
        ).Variables;
        expect(variables).toMatchObject({
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'phishx',
          POWERTOOLS_METRICS_NAMESPACE: 'PhishX',
          [envNames.stage]: built.config.stage,
        });
        const { access } = definition;
        const expected: Record<string, boolean> = {
          [envNames.tableName]: access.table !== undefined || access.revocations === 'read',
          [envNames.queueUrl]: access.queue === 'send',
          [envNames.dataKeyId]: (access.dataKeys ?? []).length > 0,
          // Issuers get the private keys' secret, verifiers only the public keys' one.
          [envNames.signingSecretId]: access.signingKey === 'sign',
          [envNames.verificationKeysSecretId]: access.signingKey === 'verify',
          [envNames.jwtIssuer]: access.signingKey !== undefined,
          [envNames.jwtAudience]: access.signingKey !== undefined,
          [envNames.mailBucket]: access.mailBucket === 'read',
        };
        for (const [variable, present] of Object.entries(expected)) {
          expect(variable in variables, `${definition.name} ${variable}`).toBe(present);
        }
        if (access.table) expect(variables[envNames.tableName]).toBe(names.tableName);
        if (access.signingKey === 'sign')
          expect(variables[envNames.signingSecretId]).toBe(names.signingSecretName);
        if (access.signingKey === 'verify') {
          expect(variables[envNames.verificationKeysSecretId]).toBe(names.verificationKeysSecretName);
        }
        if (access.signingKey) {
          expect(variables[envNames.jwtIssuer]).toBe(built.config.jwt.issuer);
          expect(variables[envNames.jwtAudience]).toBe(built.config.jwt.audience);
        }
        if (access.dataKeys?.length) {
          expect(variables[envNames.dataKeyId]).toMatch(
            /^arn:aws:kms:[a-z0-9-]+:\d{12}:alias\/phishx-[a-z0-9]+-data$/,
          );
        }
      },
    );
  });

  describe('analysis queue', () => {
    const queues = resourcesOf(template, 'AWS::SQS::Queue');
    const [dlqId] =
      queues.find(([, queue]) => queue.Properties?.QueueName === names.analysisDeadLetterQueueName) ?? [];
    const [queueId, queue] =
      queues.find(([, queue]) => queue.Properties?.QueueName === names.analysisQueueName) ?? [];

    it('has a queue and a dead-letter queue, both encrypted with a customer-managed key', () => {
      // Plus SES inbound's own dead-letter queue where SES receives mail (asserted in ses-inbound.test.ts).
      const receives = built.config.sesInbound?.regions.includes(stack.region) ?? false;
      expect(queues).toHaveLength(receives ? 3 : 2);
      expect(queueId).toBeDefined();
      expect(dlqId).toBeDefined();
      for (const [, resource] of queues) {
        const keyId = referencedId(resource.Properties?.KmsMasterKeyId);
        expect(keyId && resourceOf(template, keyId).Type).toBe('AWS::KMS::Key');
      }
    });

    it('redrives to the DLQ after maxReceiveCount, hides messages for 6x the analysis timeout', () => {
      expect(queue?.Properties?.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
        maxReceiveCount: analysisQueue.maxReceiveCount,
      });
      expect(queue?.Properties?.VisibilityTimeout).toBeGreaterThanOrEqual(
        6 * functions.analysis.timeoutSeconds,
      );
      expect(queue?.Properties?.VisibilityTimeout).toBe(analysisQueue.visibilityTimeoutSeconds);
    });

    it('keeps dead letters 14 days', () => {
      expect(resourceOf(template, dlqId ?? '').Properties?.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    });

    it('enforces TLS on both queues', () => {
      for (const [id] of queues) {
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: id }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        });
      }
    });

    it('feeds the sqs-triggered functions with partial batch responses and the catalog batch settings', () => {
      const consumers = catalog.filter((definition) => definition.trigger === 'sqs');
      template.resourceCountIs('AWS::Lambda::EventSourceMapping', consumers.length);
      for (const consumer of consumers) {
        template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
          FunctionName: { Ref: functionId(consumer.name) },
          EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          BatchSize: analysisQueue.batchSize,
          MaximumBatchingWindowInSeconds: analysisQueue.maxBatchingWindowSeconds,
        });
      }
    });
  });

  describe('REST API', () => {
    const [apiId, api] = resourcesOf(template, 'AWS::ApiGateway::RestApi')[0] ?? [];
    const [authorizerId, authorizer] = resourcesOf(template, 'AWS::ApiGateway::Authorizer')[0] ?? [];
    const resources = new Map(resourcesOf(template, 'AWS::ApiGateway::Resource'));
    const pathOf = (resourceId: unknown): string => {
      const id = referencedId(resourceId);
      if (id === apiId) return '';
      const resource = resources.get(id ?? '');
      if (!resource) throw new Error(`Unknown API resource ${JSON.stringify(resourceId)}`);
      return `${pathOf(resource.Properties?.ParentId)}/${resource.Properties?.PathPart}`;
    };
    const methods = resourcesOf(template, 'AWS::ApiGateway::Method').map(([, method]) => ({
      key: `${method.Properties?.HttpMethod} ${pathOf(method.Properties?.ResourceId)}`,
      properties: method.Properties ?? {},
    }));
    const methodFor = (key: string) => methods.find((method) => method.key === key);

    it('is one regional REST API with the stage name', () => {
      template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
      expect(api?.Properties).toMatchObject({
        Name: names.apiName,
        EndpointConfiguration: { Types: ['REGIONAL'] },
      });
    });

    it('has exactly the routes of the route table', () => {
      expect(methods.map((method) => method.key).sort()).toEqual(
        routes.map((route) => `${route.method} ${route.path}`).sort(),
      );
    });

    it.each(routes)('$method $path invokes its catalog function through a proxy integration', (route) => {
      const method = methodFor(`${route.method} ${route.path}`);
      const integration = method?.properties.Integration as { Type: string; Uri: unknown };
      expect(integration.Type).toBe('AWS_PROXY');
      expect(JSON.stringify(integration.Uri)).toContain(`"${functionId(route.function)}","Arn"`);
    });

    it.each(routes)('$method $path is guarded as its auth says ($auth)', (route) => {
      const method = methodFor(`${route.method} ${route.path}`);
      if (route.auth === 'jwt') {
        expect(method?.properties.AuthorizationType).toBe('CUSTOM');
        expect(method?.properties.AuthorizerId).toEqual({ Ref: authorizerId });
      } else {
        expect(method?.properties.AuthorizationType).toBe('NONE');
        expect(method?.properties.AuthorizerId).toBeUndefined();
      }
    });

    it('authorizes with the authorizer function, per request, on the Authorization header, uncached', () => {
      const [authorizerFunction] = catalog.filter((definition) => definition.trigger === 'authorizer');
      expect(authorizer?.Properties).toMatchObject({
        Type: 'REQUEST',
        IdentitySource: 'method.request.header.Authorization',
        AuthorizerResultTtlInSeconds: 0,
      });
      expect(JSON.stringify(authorizer?.Properties?.AuthorizerUri)).toContain(
        `"${functionId(authorizerFunction?.name ?? '')}","Arn"`,
      );
    });

    it('passes the binary media types of the routes (raw RFC 822 arrives base64)', () => {
      const expected = [...new Set(routes.flatMap((route) => route.binaryMediaTypes ?? []))];
      expect(expected).toContain('message/rfc822');
      expect(api?.Properties?.BinaryMediaTypes).toEqual(expected);
    });

    it('answers every gateway error in the application error shape, with security headers', () => {
      template.resourceCountIs('AWS::ApiGateway::GatewayResponse', gatewayErrors.length);
      const headers = Object.fromEntries(
        Object.entries(gatewaySecurityHeaders).map(([name, value]) => [
          `gatewayresponse.header.${name}`,
          value,
        ]),
      );
      for (const { type, statusCode, body } of gatewayErrors) {
        template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
          ResponseType: type.responseType,
          StatusCode: statusCode ?? Match.absent(),
          ResponseParameters: headers,
          ResponseTemplates: { 'application/json': body },
        });
      }
    });

    it.each([
      ['UNAUTHORIZED', '401', 'missing_token'],
      ['ACCESS_DENIED', '401', '$context.authorizer.code'],
      ['MISSING_AUTHENTICATION_TOKEN', '404', 'not_found'],
      ['REQUEST_TOO_LARGE', '413', 'payload_too_large'],
      ['THROTTLED', '429', 'rate_limited'],
      ['DEFAULT_4XX', undefined, 'bad_request'],
      ['DEFAULT_5XX', undefined, 'internal_error'],
    ])('maps %s to %s with code %s', (type, statusCode, code) => {
      const [, response] =
        resourcesOf(template, 'AWS::ApiGateway::GatewayResponse').find(
          ([, resource]) => resource.Properties?.ResponseType === type,
        ) ?? [];
      expect(response?.Properties?.StatusCode).toBe(statusCode);
      const body = JSON.parse(
        (response?.Properties?.ResponseTemplates as Record<string, string>)['application/json'] ?? '',
      ) as { error: { code: string; message: string } };
      expect(Object.keys(body)).toEqual(['error']);
      expect(Object.keys(body.error)).toEqual(['code', 'message']);
      expect(body.error.code).toBe(code);
    });

    it('logs access as JSON, traces, meters and throttles the stage, without logging bodies', () => {
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        StageName: built.config.stage,
        TracingEnabled: true,
        AccessLogSetting: {
          DestinationArn: Match.anyValue(),
          Format: Match.stringLikeRegexp('^\\{"requestId":'),
        },
        MethodSettings: [
          {
            HttpMethod: '*',
            ResourcePath: '/*',
            MetricsEnabled: true,
            DataTraceEnabled: false,
            LoggingLevel: 'ERROR',
            ThrottlingRateLimit: built.config.apiThrottle.rateLimit,
            ThrottlingBurstLimit: built.config.apiThrottle.burstLimit,
          },
        ],
      });
      const stage = resourcesOf(template, 'AWS::ApiGateway::Stage')[0]?.[1];
      const format = (stage?.Properties?.AccessLogSetting as { Format: string }).Format;
      expect(() => JSON.parse(format)).not.toThrow();
    });

    it('adds no CORS preflight routes while the allow-list is empty', () => {
      expect(built.config.corsAllowOrigins).toEqual([]);
      expect(methods.some((method) => method.key.startsWith('OPTIONS'))).toBe(false);
    });
  });

  describe('observability', () => {
    const [topicId] = resourcesOf(template, 'AWS::SNS::Topic')[0] ?? [];

    it('has an encrypted, TLS-only alarm topic', () => {
      template.resourceCountIs('AWS::SNS::Topic', 1);
      template.hasResourceProperties('AWS::SNS::Topic', {
        TopicName: names.alarmTopicName,
        KmsMasterKeyId: Match.anyValue(),
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    it(`${built.config.alarmEmail ? 'subscribes' : 'does not subscribe'} the alarm email`, () => {
      if (built.config.alarmEmail) {
        template.hasResourceProperties('AWS::SNS::Subscription', {
          Protocol: 'email',
          Endpoint: built.config.alarmEmail,
          TopicArn: { Ref: topicId },
        });
      } else {
        template.resourceCountIs('AWS::SNS::Subscription', 0);
      }
    });

    it.each([
      ['the DLQ has messages', 'ApproximateNumberOfMessagesVisible', names.analysisDeadLetterQueueName, 1],
      ['the oldest job is old', 'ApproximateAgeOfOldestMessage', names.analysisQueueName, 900],
    ])('alarms when %s', (_label, metricName, queueName, threshold) => {
      const [queueId] =
        resourcesOf(template, 'AWS::SQS::Queue').find(
          ([, queue]) => queue.Properties?.QueueName === queueName,
        ) ?? [];
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metricName,
        Namespace: 'AWS/SQS',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: topicId }],
      });
    });

    it('alarms on analysis function errors', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId('analysis') } }],
        AlarmActions: [{ Ref: topicId }],
      });
    });

    it('alarms on the API 5XX rate', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: 'IF(requests > 0, 100 * errors / requests, 0)' }),
          Match.objectLike({
            Id: 'errors',
            MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: '5XXError' }) }),
          }),
        ]),
        Threshold: 5,
        AlarmActions: [{ Ref: topicId }],
      });
      const receives = built.config.sesInbound?.regions.includes(stack.region) ?? false;
      // Plus the key-rotation job's alarm (test/infra/rewrap-items.test.ts) and DecryptFailures.
      template.resourceCountIs('AWS::CloudWatch::Alarm', receives ? 7 : 6);
    });

    it('alarms on the first item that fails to decrypt', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'DecryptFailures',
        Namespace: 'PhishX',
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: topicId }],
      });
    });

    it('alarms when SES deliveries land in their failure queue, where SES receives mail', () => {
      const receives = built.config.sesInbound?.regions.includes(stack.region) ?? false;
      const failureQueueAlarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').filter(([, alarm]) =>
        String(alarm?.Properties?.AlarmDescription ?? '').startsWith('SES deliveries failed'),
      );
      expect(failureQueueAlarms).toHaveLength(receives ? 1 : 0);
      if (receives) {
        expect(failureQueueAlarms[0]?.[1]?.Properties).toMatchObject({
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Threshold: 1,
          AlarmActions: [{ Ref: topicId }],
        });
      }
    });

    it('has a dashboard with API, queue, function and application metrics', () => {
      template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
      const [, dashboard] = resourcesOf(template, 'AWS::CloudWatch::Dashboard')[0] ?? [];
      const body = JSON.stringify(dashboard?.Properties?.DashboardBody);
      for (const needle of [
        'Latency',
        '4XXError',
        '5XXError',
        'ApproximateNumberOfMessagesVisible',
        'ApproximateAgeOfOldestMessage',
        'Duration',
        'Errors',
        ...applicationMetrics,
        'EncryptionOps',
        'KmsCalls',
        'DecryptFailures',
        'Verdict',
        ...verdicts,
      ]) {
        expect(body, needle).toContain(needle);
      }
      expect(body).toContain('\\"PhishX\\"');
      expect(dashboard?.Properties?.DashboardName).toBe(
        names.dashboardName(_name.replace(/^.*-regional-/, '')),
      );
    });
  });
});
