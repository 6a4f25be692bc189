/**
 * Stateless, one per region (the same class everywhere): functions, the REST API, the analysis
 * queue, alarms and the dashboard. It finds the table replica, the data key and the secret
 * replica of its own region by their deterministic names: no cross-region (or cross-stack)
 * token references, so each region deploys and rolls back on its own.
 */
import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Alias, Key } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { type FunctionName, functions, routes } from '../../lambdas/shared/catalog.ts';
import { mainTable } from '../../lambdas/shared/tables.ts';
import { stageArns, stageNames } from '../config/names.ts';
import { type StageConfig, stageRegions } from '../config/stage-config.ts';
import { AnalysisQueue } from '../constructs/analysis-queue.ts';
import { type AccessResources, AppFunction } from '../constructs/app-function.ts';
import { DataKeyRef } from '../constructs/data-key.ts';
import { Observability } from '../constructs/observability.ts';
import { PhishxRestApi } from '../constructs/rest-api.ts';
import { SesInbound } from '../constructs/ses-inbound.ts';

export interface RegionalStackProps extends StackProps {
  readonly config: StageConfig;
}

const pascalCase = (name: string) =>
  name.replace(/(^|-)([a-z0-9])/g, (_match, _dash: string, letter: string) => letter.toUpperCase());

export class RegionalStack extends Stack {
  /** Every catalog function this region runs (ingest-ses only where SES receives mail). */
  public readonly functions: Readonly<Partial<Record<FunctionName, AppFunction>>>;
  /** SES inbound, in the stage's receiving regions only. */
  public readonly sesInbound?: SesInbound;
  public readonly analysisQueue: AnalysisQueue;
  public readonly api: PhishxRestApi;
  public readonly observability: Observability;
  /** Encrypts the queues and the alarm topic of this region. */
  public readonly messagingKey: Key;

  constructor(scope: Construct, id: string, props: RegionalStackProps) {
    super(scope, id, props);
    const { config } = props;
    if (!stageRegions(config).includes(this.region)) {
      throw new Error(`RegionalStack: ${this.region} is not a region of stage ${config.stage}`);
    }
    const names = stageNames(config);
    const arns = stageArns(config, this.region);

    // Stateless, but the key outlives its messages by KMS's waiting period anyway.
    this.messagingKey = new Key(this, 'MessagingKey', {
      description: `PhishX ${config.stage} analysis queues and alarm topic`,
      enableKeyRotation: true,
      removalPolicy: config.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    new Alias(this, 'MessagingKeyAlias', {
      aliasName: `alias/phishx-${config.stage}-messaging`,
      targetKey: this.messagingKey,
    });

    this.analysisQueue = new AnalysisQueue(this, 'AnalysisQueue', {
      queueName: names.analysisQueueName,
      deadLetterQueueName: names.analysisDeadLetterQueueName,
      encryptionKey: this.messagingKey,
    });

    if (config.sesInbound?.regions.includes(this.region)) {
      this.sesInbound = new SesInbound(this, 'SesInbound', {
        config,
        recipientDomains: config.sesInbound.recipientDomains,
      });
    }

    const dataKey = DataKeyRef.inRegionOf(this, config);
    const resources: AccessResources = {
      table: {
        table: TableV2.fromTableName(this, 'MainTable', names.tableName),
        definition: mainTable,
        encryptionKey: dataKey,
      },
      analysisQueue: this.analysisQueue,
      dataKey,
      signingSecret: {
        secretName: names.signingSecretName,
        secretArn: arns.signingSecret,
        encryptionKey: dataKey,
      },
      verificationKeysSecret: {
        secretName: names.verificationKeysSecretName,
        secretArn: arns.verificationKeysSecret,
        encryptionKey: dataKey,
      },
      ...(this.sesInbound && { mailBucket: this.sesInbound.mailBucket }),
    };

    const built: Partial<Record<FunctionName, AppFunction>> = {};
    for (const definition of Object.values(functions)) {
      // A function that reads SES mail exists only where SES receives it.
      if (definition.access.mailBucket && !this.sesInbound) continue;
      const fn = new AppFunction(this, pascalCase(definition.name), { config, definition });
      fn.bindAccess(definition.access, resources);
      built[definition.name] = fn;
    }
    this.functions = built;
    // Scheduled jobs run from the primary region only: the table is global, one writer is enough.
    for (const definition of Object.values(functions).filter((entry) => entry.trigger === 'schedule')) {
      if (!definition.schedule) throw new Error(`${definition.name}: trigger "schedule" needs a schedule`);
      if (this.region === config.primaryRegion)
        this.function(definition.name).bindSchedule(definition.schedule);
    }
    const sesConsumers = Object.values(functions).filter((definition) => definition.trigger === 'ses');
    if (this.sesInbound) {
      const [ingest] = sesConsumers;
      const fn = ingest && built[ingest.name];
      if (!fn || sesConsumers.length > 1) {
        throw new Error('The catalog must define exactly one function with trigger "ses"');
      }
      this.sesInbound.deliverTo(fn);
    }

    const authorizers = Object.values(this.functions).filter(
      (fn) => functions[fn.definition.name as FunctionName].trigger === 'authorizer',
    );
    const [authorizer] = authorizers;
    if (!authorizer || authorizers.length > 1) {
      throw new Error('The catalog must define exactly one function with trigger "authorizer"');
    }
    this.api = new PhishxRestApi(this, 'Api', {
      config,
      apiName: names.apiName,
      routes,
      handlers: this.functions,
      authorizer,
    });

    const consumers = Object.values(functions).filter((definition) => definition.trigger === 'sqs');
    const [analysis] = consumers;
    if (!analysis || consumers.length > 1) {
      throw new Error('The catalog must define exactly one function with trigger "sqs"');
    }
    this.observability = new Observability(this, 'Observability', {
      config,
      topicName: names.alarmTopicName,
      dashboardName: names.dashboardName(this.region),
      encryptionKey: this.messagingKey,
      api: this.api.api,
      analysisQueue: this.analysisQueue,
      analysisFunction: this.function(analysis.name),
      functions: Object.values(this.functions).filter((fn): fn is AppFunction => fn !== undefined),
      rewrapFunction: this.function('rewrap-items'),
      ...(this.sesInbound && { sesFailureQueue: this.sesInbound.deadLetterQueue }),
    });
  }

  /** A function this region runs; throws for one it does not (a wiring bug). */
  function(name: FunctionName): AppFunction {
    const fn = this.functions[name];
    if (!fn) throw new Error(`RegionalStack: ${name} is not deployed in ${this.region}`);
    return fn;
  }
}
