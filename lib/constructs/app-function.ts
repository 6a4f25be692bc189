/**
 * The one way this project builds a Lambda function: Node.js 22 on arm64, an ESM bundle,
 * an explicit log group, active tracing, and `bind*()` helpers that set an environment
 * variable and grant exactly the actions it needs in one call.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import {
  analysisQueue as analysisQueueSettings,
  type FunctionAccess,
  type FunctionDefinition,
} from '../../lambdas/shared/catalog.ts';
import { envNames } from '../../lambdas/shared/env.ts';
import {
  rateLimitKeyPrefix,
  revocationKeyPrefix,
  type TableDefinition,
} from '../../lambdas/shared/tables.ts';
import { stageArns, stageNames } from '../config/names.ts';
import type { StageConfig } from '../config/stage-config.ts';
import type { AnalysisQueue } from './analysis-queue.ts';
import type { DataKeyRef } from './data-key.ts';
import type { MailBucketRef } from './ses-inbound.ts';

/** Repository root: catalog entries are relative to it. */
export const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Powertools service name for every function (the `service` dimension of every EMF metric). */
export const powertoolsServiceName = 'phishx';
export const metricsNamespace = 'PhishX';

/** What the catalog says about a function, plus functions outside it (custom resources). */
export type AppFunctionDefinition = Omit<FunctionDefinition, 'name' | 'trigger' | 'access'> & {
  readonly name: string;
};

export interface AppFunctionProps {
  readonly config: StageConfig;
  readonly definition: AppFunctionDefinition;
}

/**
 * Esbuild options. The AWS SDK is bundled, not taken from the runtime: the bundle then runs the
 * exact SDK version the tests ran, and tree-shaken ESM costs about 320 KB minified per function
 * (toolchain.md §7) — loaded once per cold start from the deployment package, which is what
 * AWS and middy recommend for cold starts. The banner gives ESM a `require` for the CommonJS
 * dependencies (the X-Ray SDK behind the Powertools tracer).
 */
export const appBundling = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  sourceMap: true,
  sourceMapMode: SourceMapMode.DEFAULT,
  sourcesContent: false,
  keepNames: true,
  mainFields: ['module', 'main'],
  bundleAwsSDK: true,
  externalModules: [] as string[],
  esbuildArgs: { '--tree-shaking': 'true' },
  banner: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
} as const;

const tableReadActions = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
] as const;
/** No Scan: every key starts with the tenant, and a scan would read across tenants. */
const tableWriteActions = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
] as const;

export type DataKeyOperation = 'encrypt' | 'decrypt';
const dataKeyActions: Readonly<Record<DataKeyOperation, string>> = {
  encrypt: 'kms:GenerateDataKey',
  decrypt: 'kms:Decrypt',
};

/** A signing-key secret of the function's region (private keys, or public only), found by name. */
export interface SigningSecretRef {
  readonly secretName: string;
  readonly secretArn: string;
  /** The key that encrypts the secret (Secrets Manager decrypts with the caller's rights). */
  readonly encryptionKey: DataKeyRef;
}

/** The table of the function's region, with what a grant needs to know about it. */
export interface TableRef {
  readonly table: ITableV2;
  readonly definition: TableDefinition;
  /** The key that encrypts the table (DynamoDB uses it with the caller's rights). */
  readonly encryptionKey: DataKeyRef;
}

/** Everything a catalog `access` entry can refer to, in the function's region. */
export interface AccessResources {
  readonly table?: TableRef;
  readonly analysisQueue?: AnalysisQueue;
  readonly dataKey?: DataKeyRef;
  readonly signingSecret?: SigningSecretRef;
  readonly verificationKeysSecret?: SigningSecretRef;
  /** The SES inbound mail bucket, in regions that receive mail. */
  readonly mailBucket?: MailBucketRef;
}

export class AppFunction extends NodejsFunction {
  public readonly functionLogGroup: LogGroup;
  public readonly executionRole: Role;
  public readonly definition: AppFunctionDefinition;
  private readonly config: StageConfig;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    const { config, definition } = props;
    const functionName = stageNames(config).functionName(definition.name);
    // Explicit log group: retention from config, no logRetention custom resource. Its name is
    // generated (not /aws/lambda/<name>), so a retained group never blocks a redeploy.
    const logGroup = new LogGroup(scope, `${id}LogGroup`, {
      retention: config.logRetention,
      removalPolicy: config.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // Own role without the AWSLambdaBasicExecutionRole managed policy: that one may write to
    // any log group; this one writes only to its own (granted below).
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${functionName}`,
    });

    super(scope, id, {
      functionName,
      description: definition.description,
      entry: join(repositoryRoot, definition.entry),
      handler: 'handler',
      projectRoot: repositoryRoot,
      depsLockFilePath: join(repositoryRoot, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: definition.memoryMb,
      timeout: Duration.seconds(definition.timeoutSeconds),
      tracing: Tracing.ACTIVE,
      logGroup,
      role,
      bundling: { ...appBundling, mainFields: [...appBundling.mainFields], externalModules: [] },
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: powertoolsServiceName,
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace,
        [envNames.stage]: config.stage,
      },
    });
    logGroup.grantWrite(role);
    this.functionLogGroup = logGroup;
    this.executionRole = role;
    this.definition = definition;
    this.config = config;
    this.acknowledge(
      'AwsSolutions-L1',
      'nodejs22.x on purpose: dependencies are pinned and tested for Node 22 (toolchain.md §1); ' +
        'move to nodejs24.x together with the toolchain.',
    );
    this.acknowledge(
      'AwsSolutions-IAM5[Resource::*]',
      'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
    );
  }

  /** Acknowledges a cdk-nag finding on this function and its execution role, with the reason. */
  acknowledge(id: string, reason: string): this {
    Validations.of(this).acknowledge({ id, reason });
    Validations.of(this.executionRole).acknowledge({ id, reason });
    return this;
  }

  /**
   * Grants what a catalog entry's `access` says, nothing more: adding a function to the catalog
   * needs no CDK change. Throws when the access needs a resource the caller did not pass.
   */
  bindAccess(access: FunctionAccess, resources: AccessResources): this {
    const need = <T>(resource: T | undefined, what: string): T => {
      if (resource === undefined) {
        throw new Error(`${this.definition.name}: its catalog access needs ${what}, but none was provided`);
      }
      return resource;
    };
    if (access.table) this.bindTable(need(resources.table, 'a table'), access.table);
    if (access.queue === 'send') this.bindQueueSend(need(resources.analysisQueue, 'the analysis queue'));
    if (access.queue === 'consume')
      this.bindQueueConsume(need(resources.analysisQueue, 'the analysis queue'));
    if (access.dataKeys && access.dataKeys.length > 0) {
      this.bindDataKey(need(resources.dataKey, 'the data key'), access.dataKeys);
    }
    if (access.rateLimits === 'write') this.bindRateLimits(need(resources.table, 'a table'));
    if (access.revocations === 'read') this.bindRevocationsRead(need(resources.table, 'a table'));
    if (access.signingKey === 'sign')
      this.bindSigningSecret(need(resources.signingSecret, 'the signing secret'), 'sign');
    if (access.signingKey === 'verify')
      this.bindSigningSecret(need(resources.verificationKeysSecret, 'the verification keys'), 'verify');
    if (access.mailBucket === 'read') this.bindMailBucket(need(resources.mailBucket, 'the SES mail bucket'));
    if (access.tableScan === 'read') this.bindTableScan(need(resources.table, 'a table'));
    return this;
  }

  /**
   * May scan the whole table (not its indexes). A scan crosses tenants, and no condition key can
   * narrow it (dynamodb:LeadingKeys does not apply to Scan): for the rotation job only.
   */
  bindTableScan(ref: TableRef): this {
    this.addEnvironment(envNames.tableName, ref.table.tableName);
    this.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:Scan'], resources: [ref.table.tableArn] }),
    );
    this.acknowledgeKeyByAlias(ref.encryptionKey);
    ref.encryptionKey.grant(this, ['kms:Decrypt', 'kms:DescribeKey'], {
      StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` },
    });
    return this;
  }

  /**
   * Invokes the function on an EventBridge schedule (asynchronously; Lambda retries a failed run
   * twice). The rule's resource-based permission is the only grant: no role to assume.
   */
  bindSchedule(expression: string): Rule {
    return new Rule(this, 'Schedule', {
      description: `Runs ${this.definition.name} on ${expression}`,
      schedule: Schedule.expression(expression),
      targets: [new LambdaFunction(this, { retryAttempts: 2, maxEventAge: Duration.hours(6) })],
    });
  }

  /** Sets the mail bucket name; may read raw messages under the inbound prefix only. */
  bindMailBucket(mail: MailBucketRef): this {
    this.addEnvironment(envNames.mailBucket, mail.bucketName);
    mail.grantRead(this);
    return this;
  }

  /** Sets the table name; `read` may get and query, `readwrite` may also put, update, delete. */
  bindTable(ref: TableRef, mode: 'read' | 'readwrite'): this {
    this.addEnvironment(envNames.tableName, ref.table.tableName);
    const arns = stageArns(this.config, Stack.of(this).region);
    const resources = [
      ref.table.tableArn,
      ...ref.definition.globalSecondaryIndexes.map((index) => arns.tableIndex(index.indexName)),
    ];
    const actions: string[] = [...tableReadActions, ...(mode === 'readwrite' ? tableWriteActions : [])];
    this.addToRolePolicy(new PolicyStatement({ actions, resources }));
    // DynamoDB decrypts (and, for writes, encrypts) with the table key on the caller's behalf.
    this.acknowledgeKeyByAlias(ref.encryptionKey);
    ref.encryptionKey.grant(
      this,
      mode === 'readwrite'
        ? ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']
        : ['kms:Decrypt', 'kms:DescribeKey'],
      { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` } },
    );
    return this;
  }

  /**
   * May put rate-limit records (partition keys starting `RATE#`) and nothing else: for functions
   * that otherwise only read the table but enforce per-principal limits.
   */
  bindRateLimits(ref: TableRef): this {
    this.addEnvironment(envNames.tableName, ref.table.tableName);
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        resources: [ref.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${rateLimitKeyPrefix}*`] } },
      }),
    );
    this.acknowledgeKeyByAlias(ref.encryptionKey);
    ref.encryptionKey.grant(this, ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'], {
      StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` },
    });
    return this;
  }

  /** May read the access-token deny-list (partition keys starting `REVOKED#`) and nothing else. */
  bindRevocationsRead(ref: TableRef): this {
    this.addEnvironment(envNames.tableName, ref.table.tableName);
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem'],
        resources: [ref.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${revocationKeyPrefix}*`] } },
      }),
    );
    this.acknowledgeKeyByAlias(ref.encryptionKey);
    ref.encryptionKey.grant(this, ['kms:Decrypt', 'kms:DescribeKey'], {
      StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` },
    });
    return this;
  }

  /** Sets the queue URL; may send messages only (SSE-KMS: a sender generates and reads data keys). */
  bindQueueSend(queue: AnalysisQueue): this {
    this.addEnvironment(envNames.queueUrl, queue.queue.queueUrl);
    this.addToRolePolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queue.queueArn] }),
    );
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [queue.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `sqs.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
    return this;
  }

  /**
   * Consumes the queue through an event source mapping with partial batch responses. Refuses a
   * queue whose visibility timeout is under six times this function's timeout (AWS guidance:
   * a message must not reappear while a slow invocation still works on it).
   */
  bindQueueConsume(queue: AnalysisQueue): this {
    const timeout = this.timeout?.toSeconds() ?? 3;
    const visibility = queue.visibilityTimeout.toSeconds();
    if (visibility < timeout * 6) {
      throw new Error(
        `${this.definition.name}: queue visibility timeout ${visibility}s is under 6 x the function timeout (${timeout}s)`,
      );
    }
    // Grants ReceiveMessage, DeleteMessage, ChangeMessageVisibility, GetQueueAttributes,
    // GetQueueUrl on the queue and kms:Decrypt on its key: no wildcards.
    this.addEventSource(
      new SqsEventSource(queue.queue, {
        batchSize: analysisQueueSettings.batchSize,
        maxBatchingWindow: Duration.seconds(analysisQueueSettings.maxBatchingWindowSeconds),
        reportBatchItemFailures: true,
      }),
    );
    return this;
  }

  /**
   * Sets the data key id. `encrypt` = GenerateDataKey, `decrypt` = Decrypt, and only with an
   * encryption context of exactly `{ tenant, purpose }` (both present, nothing else): a
   * function cannot use the key outside the envelope-encryption scheme.
   */
  bindDataKey(key: DataKeyRef, operations: readonly DataKeyOperation[]): this {
    if (operations.length === 0) throw new Error(`${this.definition.name}: bindDataKey needs an operation`);
    this.addEnvironment(envNames.dataKeyId, key.keyId);
    this.acknowledgeKeyByAlias(key);
    key.grant(
      this,
      [...new Set(operations)].map((operation) => dataKeyActions[operation]),
      {
        'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['tenant', 'purpose'] },
        Null: { 'kms:EncryptionContext:tenant': 'false', 'kms:EncryptionContext:purpose': 'false' },
      },
    );
    return this;
  }

  /**
   * Sets the secret id and the JWT issuer and audience; may read the secret's value only.
   * `sign`: the private keys; `verify`: the public halves only.
   */
  bindSigningSecret(secret: SigningSecretRef, use: 'sign' | 'verify'): this {
    this.addEnvironment(
      use === 'sign' ? envNames.signingSecretId : envNames.verificationKeysSecretId,
      secret.secretName,
    );
    this.addEnvironment(envNames.jwtIssuer, this.config.jwt.issuer);
    this.addEnvironment(envNames.jwtAudience, this.config.jwt.audience);
    this.addToRolePolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
    );
    if (secret.secretArn.endsWith('-??????')) {
      this.acknowledge(
        `AwsSolutions-IAM5[Resource::${secret.secretArn}]`,
        'Secrets Manager appends 6 random characters to a secret ARN; the name is fixed, `-??????` matches ' +
          'exactly that suffix.',
      );
    }
    this.acknowledgeKeyByAlias(secret.encryptionKey);
    secret.encryptionKey.grant(this, ['kms:Decrypt'], {
      StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` },
    });
    return this;
  }

  private acknowledgeKeyByAlias(key: DataKeyRef): void {
    if (!key.byAlias) return;
    this.acknowledge(
      `AwsSolutions-IAM5[Resource::${key.grantResource}]`,
      'The data key is found by its alias (no cross-region token). IAM cannot name a key by alias, so the ' +
        'grant names any key in the region and the kms:ResourceAliases condition narrows it to the one key ' +
        'behind the alias.',
    );
  }
}
