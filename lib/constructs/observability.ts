/**
 * Alarms and a dashboard for one region. Alarms go to an encrypted SNS topic (and to an email
 * address when the stage config names one). The dashboard reads the AWS metrics plus the
 * application's EMF metrics in namespace `PhishX` (default dimension `service`, set by
 * AppFunction; `Verdict` adds `verdict`).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { verdicts } from '../../lambdas/core/detection/analysis.ts';
import type { StageConfig } from '../config/stage-config.ts';
import type { AnalysisQueue } from './analysis-queue.ts';
import { type AppFunction, metricsNamespace, powertoolsServiceName } from './app-function.ts';

export interface ObservabilityProps {
  readonly config: StageConfig;
  readonly topicName: string;
  readonly dashboardName: string;
  /** Encrypts the alarm topic; CloudWatch is allowed to use it for that. */
  readonly encryptionKey: Key;
  readonly api: RestApi;
  readonly analysisQueue: AnalysisQueue;
  readonly analysisFunction: AppFunction;
  readonly functions: readonly AppFunction[];
  /** Where SES deliveries go after every retry failed, in regions that receive mail. */
  readonly sesFailureQueue?: IQueue;
  /** The rotation job (lambdas/ops/rewrap-items.ts): alarms on its item failures and failed runs. */
  readonly rewrapFunction?: AppFunction;
}

/** Alarm thresholds, in one place. */
export const alarmThresholds = {
  deadLetterMessages: 1,
  analysisErrorsPer5Minutes: 1,
  api5xxPercent: 5,
  /** Longer than a few retries (visibility 6 min) means the consumer is stuck or failing. */
  oldestMessageAgeSeconds: 15 * 60,
} as const;

/** The application's EMF metrics. */
export const applicationMetrics = ['EmailsIngested', 'EmailsAnalyzed', 'AnalysisFailures'] as const;

const appMetric = (metricName: string, dimensions: Record<string, string> = {}): Metric =>
  new Metric({
    namespace: metricsNamespace,
    metricName,
    dimensionsMap: { service: powertoolsServiceName, ...dimensions },
    statistic: 'Sum',
    period: Duration.minutes(5),
  });

export class Observability extends Construct {
  public readonly topic: Topic;
  public readonly alarms: readonly Alarm[];
  public readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { api, analysisQueue, analysisFunction } = props;

    this.topic = new Topic(this, 'AlarmTopic', {
      topicName: props.topicName,
      displayName: `PhishX ${props.config.stage} alarms`,
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    // CloudWatch publishes alarm notifications to the encrypted topic with this key (the
    // statement AWS documents for alarms on encrypted topics, without its action wildcard).
    props.encryptionKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublishToEncryptedTopic',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
      }),
    );
    if (props.config.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.config.alarmEmail));

    const fiveMinutes = Duration.minutes(5);
    const apiRequests = api.metricCount({ period: fiveMinutes, statistic: 'Sum' });
    const api5xx = api.metricServerError({ period: fiveMinutes, statistic: 'Sum' });
    const api5xxRate = new MathExpression({
      label: '5XX %',
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: { requests: apiRequests, errors: api5xx },
      period: fiveMinutes,
    });
    const dlqDepth = analysisQueue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: 'Maximum',
    });
    const oldestMessageAge = analysisQueue.queue.metricApproximateAgeOfOldestMessage({
      period: Duration.minutes(1),
      statistic: 'Maximum',
    });
    const analysisErrors = analysisFunction.metricErrors({ period: fiveMinutes, statistic: 'Sum' });

    const alarm = (alarmId: string, metric: IMetric, threshold: number, description: string): Alarm => {
      const created = new Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(new SnsAction(this.topic));
      created.addOkAction(new SnsAction(this.topic));
      return created;
    };
    this.alarms = [
      alarm(
        'DeadLetterQueueNotEmpty',
        dlqDepth,
        alarmThresholds.deadLetterMessages,
        'Analysis jobs failed every retry and wait in the dead-letter queue: inspect, fix, redrive.',
      ),
      alarm(
        'AnalysisErrors',
        analysisErrors,
        alarmThresholds.analysisErrorsPer5Minutes,
        'The analysis function failed whole invocations (not single messages).',
      ),
      alarm(
        'Api5xxRate',
        api5xxRate,
        alarmThresholds.api5xxPercent,
        `More than ${alarmThresholds.api5xxPercent}% of API requests failed with a server error.`,
      ),
      alarm(
        'AnalysisBacklogAge',
        oldestMessageAge,
        alarmThresholds.oldestMessageAgeSeconds,
        'The oldest queued analysis job is older than 15 minutes: analysis is stuck or far behind.',
      ),
      alarm(
        'DecryptFailures',
        appMetric('DecryptFailures'),
        1,
        'A stored item failed its integrity check or could not be decrypted: tampering, an item moved ' +
          'between keys, or a KMS key this region cannot use. Find the item ids in the function logs.',
      ),
      ...(props.rewrapFunction
        ? [
            alarm(
              'RewrapFailures',
              new MathExpression({
                label: 'Re-wrap failures',
                expression: 'FILL(items, 0) + FILL(runs, 0)',
                usingMetrics: {
                  items: appMetric('RewrapFailures'),
                  runs: props.rewrapFunction.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
                },
                period: fiveMinutes,
              }),
              1,
              'The key-rotation job met items that fail their integrity check (ids in its log), or a run ' +
                'failed: tampered or corrupt items, or KMS/DynamoDB errors. Old keys keep decrypting meanwhile.',
            ),
          ]
        : []),
      ...(props.sesFailureQueue
        ? [
            alarm(
              'SesDeliveriesFailed',
              props.sesFailureQueue.metricApproximateNumberOfMessagesVisible({
                period: Duration.minutes(1),
                statistic: 'Maximum',
              }),
              alarmThresholds.deadLetterMessages,
              'SES deliveries failed every retry and wait in the SES failure queue: the mail is in the bucket; inspect, fix, redrive.',
            ),
          ]
        : []),
    ];

    const functionMetrics = (metric: (fn: AppFunction) => IMetric) => props.functions.map(metric);
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# PhishX ${props.config.stage} — ${Stack.of(this).region}`,
        width: 24,
        height: 1,
      }),
      new AlarmStatusWidget({ title: 'Alarms', alarms: [...this.alarms], width: 24, height: 3 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'API latency (ms)',
        left: ['p50', 'p90', 'p99'].map((statistic) =>
          api.metricLatency({ period: fiveMinutes, statistic, label: `latency ${statistic}` }),
        ),
        width: 8,
      }),
      new GraphWidget({
        title: 'API requests and errors',
        left: [apiRequests],
        right: [api.metricClientError({ period: fiveMinutes, statistic: 'Sum' }), api5xx],
        width: 8,
      }),
      new GraphWidget({ title: 'API 5XX %', left: [api5xxRate], width: 8 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Analysis queue depth',
        left: [
          analysisQueue.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
          analysisQueue.queue.metricApproximateNumberOfMessagesNotVisible({ period: Duration.minutes(1) }),
        ],
        width: 8,
      }),
      new GraphWidget({ title: 'Oldest analysis job (s)', left: [oldestMessageAge], width: 8 }),
      new GraphWidget({ title: 'Dead-letter queue depth', left: [dlqDepth], width: 8 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Field encryption: operations',
        left: [appMetric('EncryptionOps')],
        width: 8,
      }),
      new GraphWidget({
        title: 'KMS calls (one per tenant per cache period)',
        left: [appMetric('KmsCalls')],
        width: 8,
      }),
      new GraphWidget({ title: 'Decrypt failures', left: [appMetric('DecryptFailures')], width: 8 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Function errors',
        left: functionMetrics((fn) =>
          fn.metricErrors({ period: fiveMinutes, statistic: 'Sum', label: fn.definition.name }),
        ),
        width: 8,
      }),
      new GraphWidget({
        title: 'Function duration p99 (ms)',
        left: functionMetrics((fn) =>
          fn.metricDuration({ period: fiveMinutes, statistic: 'p99', label: fn.definition.name }),
        ),
        width: 8,
      }),
      new GraphWidget({
        title: 'Function throttles',
        left: functionMetrics((fn) =>
          fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum', label: fn.definition.name }),
        ),
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Emails',
        left: applicationMetrics.map((name) => appMetric(name)),
        width: 12,
      }),
      new GraphWidget({
        title: 'Verdicts',
        left: verdicts.map((verdict) => appMetric('Verdict', { verdict }).with({ label: verdict })),
        stacked: true,
        width: 12,
      }),
    );
  }
}
