/**
 * SES inbound for one region: mail sent to the configured recipient domains (their MX records
 * point at `inbound-smtp.<region>.amazonaws.com`) is received by SES, stored raw in an encrypted
 * bucket, and handed to the ingest function.
 *
 * - A receipt rule set with one rule per recipient domain: TLS required, spam and virus
 *   scanning on. Actions, in order: S3 (the raw MIME under `inbound/<messageId>`), then Lambda.
 * - Hand-off by **Lambda action (Event invocation)**, not S3 event → SQS → function: only the
 *   SES event carries the envelope recipients (Bcc and forwarded mail never appear in the
 *   headers, and routing to tenants needs them) and the receipt verdicts (spam, virus, SPF,
 *   DKIM, DMARC) as data; S3 is written before the Lambda action runs, so the object is there.
 *   Failures are retried by Lambda's async invocation (2 retries, 6 h max age), then go to an
 *   encrypted on-failure dead-letter queue that holds the SES event (14 days) for a redrive —
 *   ingest is idempotent on the SES message id, so a redrive never double-counts.
 * - The bucket: SSE-KMS with its own customer-managed key (bucket key on), public access
 *   blocked, TLS-only policy, objects expire after 14 days (the DLQ's retention: any
 *   dead-lettered event can still be redriven), no versioning. Only SES may write, and only
 *   for these rules (`aws:SourceAccount` and `aws:SourceArn`); only the ingest function may read.
 * - CloudFormation cannot activate a rule set: a small custom resource calls
 *   `ses:SetActiveReceiptRuleSet` on create and update, and deactivates it on delete. An
 *   account has ONE active rule set per region: this construct takes that slot.
 */
import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { DestinationConfig, IDestination, IFunction } from 'aws-cdk-lib/aws-lambda';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket } from 'aws-cdk-lib/aws-s3';
import { type IReceiptRuleAction, type ReceiptRule, ReceiptRuleSet, TlsPolicy } from 'aws-cdk-lib/aws-ses';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { normaliseDomain } from '../../lambdas/core/ingest/recipient-domains.ts';
import { sesInbound } from '../../lambdas/shared/catalog.ts';
import type { StageConfig } from '../config/stage-config.ts';

/**
 * Regions where SES offers email receiving ("Email receiving endpoints", AWS General Reference,
 * Amazon SES endpoints and quotas; checked against published inbound-smtp endpoints). SES adds
 * regions over time: add one here, with the endpoint, when AWS lists it.
 */
export const sesReceivingRegions: readonly string[] = [
  'us-east-1',
  'us-east-2',
  'us-west-2',
  'ca-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-central-1',
  'ap-northeast-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
];

/** The MX target for a receiving region. */
export const sesInboundEndpoint = (region: string): string => `inbound-smtp.${region}.amazonaws.com`;

/**
 * Problems with an SES inbound configuration (empty when valid): for the stage-config
 * validation, so `cdk synth` refuses a region without SES receiving before anything deploys.
 */
export const sesInboundProblems = (
  inbound: { readonly recipientDomains: readonly string[]; readonly regions: readonly string[] },
  stageRegions: readonly string[],
): string[] => {
  const problems: string[] = [];
  if (inbound.recipientDomains.length === 0) problems.push('sesInbound.recipientDomains must not be empty');
  const seen = new Set<string>();
  for (const domain of inbound.recipientDomains) {
    const normal = normaliseDomain(domain);
    if (normal === null || normal !== domain) {
      problems.push(
        `sesInbound recipient domain "${domain}" must be a lower-case DNS name without a trailing dot`,
      );
    } else if (seen.has(normal)) {
      problems.push(`sesInbound recipient domain "${domain}" is listed more than once`);
    }
    seen.add(domain);
  }
  if (inbound.regions.length === 0) problems.push('sesInbound.regions must name at least one region');
  for (const region of inbound.regions) {
    if (!stageRegions.includes(region)) {
      problems.push(`sesInbound region "${region}" is not a region of this stage`);
    } else if (!sesReceivingRegions.includes(region)) {
      problems.push(
        `sesInbound region "${region}" does not offer SES email receiving (offered in: ${sesReceivingRegions.join(', ')})`,
      );
    }
  }
  return problems;
};

export interface SesInboundProps {
  readonly config: StageConfig;
  /** Lower-case recipient domains; one receipt rule each. Mail to any address at the domain. */
  readonly recipientDomains: readonly string[];
}

/** What a function that reads raw mail needs: the bucket's name and a read grant. */
export interface MailBucketRef {
  readonly bucketName: string;
  readonly objectKeyPrefix: string;
  /** s3:GetObject under the inbound prefix and kms:Decrypt of its key through S3: nothing else. */
  grantRead(grantee: IGrantable): void;
}

const slug = (domain: string) => domain.replace(/[^a-z0-9]+/g, '-');

export class SesInbound extends Construct {
  public readonly bucket: Bucket;
  /** Encrypts the bucket and the dead-letter queue: both hold raw mail or its envelope. */
  public readonly key: Key;
  public readonly ruleSet: ReceiptRuleSet;
  public readonly rules: readonly ReceiptRule[];
  /** SES events whose ingest failed every retry; redrive by invoking the function with them. */
  public readonly deadLetterQueue: Queue;
  public readonly activation: AwsCustomResource;
  public readonly mailBucket: MailBucketRef;
  public readonly ruleSetName: string;
  private readonly ruleArnPattern: string;
  private deliveredTo: IFunction | undefined;

  constructor(scope: Construct, id: string, props: SesInboundProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.region) || !sesReceivingRegions.includes(stack.region)) {
      throw new Error(
        `SesInbound: SES email receiving is not offered in ${stack.region}; use one of ${sesReceivingRegions.join(', ')}`,
      );
    }
    const problems = sesInboundProblems(
      { recipientDomains: props.recipientDomains, regions: [stack.region] },
      [stack.region],
    );
    if (problems.length > 0) throw new Error(`SesInbound: ${problems.join('; ')}`);

    const prefix = `phishx-${config.stage}`;
    this.ruleSetName = `${prefix}-inbound`;
    const sourceAccount = { 'aws:SourceAccount': stack.account };
    this.ruleArnPattern = `arn:${stack.partition}:ses:${stack.region}:${stack.account}:receipt-rule-set/${this.ruleSetName}:receipt-rule/*`;
    const fromTheseRules = {
      StringEquals: sourceAccount,
      ArnLike: { 'aws:SourceArn': this.ruleArnPattern },
    };
    const removalPolicy = config.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.key = new Key(this, 'Key', {
      description: `PhishX ${config.stage} SES inbound: raw mail bucket and its dead-letter queue`,
      enableKeyRotation: true,
      removalPolicy,
    });
    // SES writes with SSE-KMS under this key: S3 asks KMS for data keys on SES's behalf.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowSesToEncryptInboundMailOfTheseRules',
        principals: [new ServicePrincipal('ses.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: fromTheseRules,
      }),
    );

    this.bucket = new Bucket(this, 'Bucket', {
      bucketName: `${prefix}-mail-${stack.account}-${stack.region}`,
      encryption: BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: false,
      lifecycleRules: [
        {
          id: 'expire-raw-mail',
          expiration: Duration.days(sesInbound.rawMailRetentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy,
    });
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowSesToStoreInboundMailOfTheseRules',
        principals: [new ServicePrincipal('ses.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${sesInbound.objectKeyPrefix}*`)],
        conditions: fromTheseRules,
      }),
    );
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Server access logs would need a second bucket per region; this bucket is written only by SES for ' +
        'these rules and read only by the ingest role, and those calls are in CloudTrail (enable S3 data events ' +
        'on it to audit object reads).',
    });

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      queueName: `${prefix}-ses-ingest-dlq`,
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(sesInbound.deadLetterRetentionDays),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is itself a dead-letter queue: the ingest function's asynchronous on-failure destination " +
        '(cdk-nag only recognises redrive-policy DLQs).',
    });

    this.ruleSet = new ReceiptRuleSet(this, 'RuleSet', { receiptRuleSetName: this.ruleSetName });
    const storeRaw: IReceiptRuleAction = {
      // Not aws-ses-actions.S3: that one conditions SES's bucket access on the account only and
      // would add client-side encryption if given a key. SSE-KMS happens at the bucket.
      bind: () => ({
        s3Action: { bucketName: this.bucket.bucketName, objectKeyPrefix: sesInbound.objectKeyPrefix },
      }),
    };
    this.rules = props.recipientDomains.map((domain) => {
      const rule = this.ruleSet.addRule(`Rule-${slug(domain)}`, {
        receiptRuleName: `${prefix}-${slug(domain)}`,
        recipients: [domain],
        enabled: true,
        scanEnabled: true,
        tlsPolicy: TlsPolicy.REQUIRE,
        actions: [storeRaw],
      });
      // SES checks it can write (a setup object) when the rule is created: policies first.
      if (this.bucket.policy) rule.node.addDependency(this.bucket.policy);
      rule.node.addDependency(this.key);
      return rule;
    });

    this.activation = new AwsCustomResource(this, 'Activation', {
      resourceType: 'Custom::SesActiveReceiptRuleSet',
      onCreate: {
        service: 'SES',
        action: 'setActiveReceiptRuleSet',
        parameters: { RuleSetName: this.ruleSetName },
        physicalResourceId: PhysicalResourceId.of(this.ruleSetName),
      },
      onUpdate: {
        service: 'SES',
        action: 'setActiveReceiptRuleSet',
        parameters: { RuleSetName: this.ruleSetName },
        physicalResourceId: PhysicalResourceId.of(this.ruleSetName),
      },
      // No name: no active rule set (SES then stops accepting mail for these domains).
      onDelete: { service: 'SES', action: 'setActiveReceiptRuleSet', parameters: {} },
      policy: AwsCustomResourcePolicy.fromStatements([
        new PolicyStatement({ actions: ['ses:SetActiveReceiptRuleSet'], resources: ['*'] }),
      ]),
      installLatestAwsSdk: false,
    });
    for (const rule of this.rules) this.activation.node.addDependency(rule);
    Validations.of(this.activation).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ses:SetActiveReceiptRuleSet supports no resource-level permission (it names no resource type in the ' +
        'Service Authorization Reference); the statement allows that one action only.',
    });
    this.acknowledgeCustomResourceProvider(stack);

    const bucket = this.bucket;
    const key = this.key;
    this.mailBucket = {
      bucketName: bucket.bucketName,
      objectKeyPrefix: sesInbound.objectKeyPrefix,
      grantRead: (grantee) => {
        grantee.grantPrincipal.addToPrincipalPolicy(
          new PolicyStatement({
            actions: ['s3:GetObject'],
            resources: [bucket.arnForObjects(`${sesInbound.objectKeyPrefix}*`)],
          }),
        );
        grantee.grantPrincipal.addToPrincipalPolicy(
          new PolicyStatement({
            actions: ['kms:Decrypt'],
            resources: [key.keyArn],
            conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
          }),
        );
        const bucketId = stack.resolve(stack.getLogicalId(bucket.node.defaultChild as CfnBucket)) as string;
        for (const scope of [grantee, grantee.grantPrincipal]) {
          if (!Construct.isConstruct(scope)) continue;
          Validations.of(scope).acknowledge({
            id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${sesInbound.objectKeyPrefix}*]`,
            reason:
              'Each message is its own object, named by SES message id at receipt: the grant covers the inbound ' +
              'prefix of this one bucket, for s3:GetObject only.',
          });
        }
      },
    };
  }

  /**
   * Hands every rule's mail to `fn` (appends the Lambda action after the S3 action): SES may
   * invoke it only from these rules, asynchronously, with 2 retries and then the dead-letter
   * queue. The function must also read the bucket (`mailBucket.grantRead`, done by
   * `AppFunction.bindAccess` for a catalog access `mailBucket: 'read'`).
   */
  deliverTo(fn: IFunction): void {
    if (this.deliveredTo) throw new Error('SesInbound: deliverTo may be called once');
    this.deliveredTo = fn;
    const stack = Stack.of(this);
    const permission = 'AllowSesInboundRules';
    fn.addPermission(permission, {
      action: 'lambda:InvokeFunction',
      principal: new ServicePrincipal('ses.amazonaws.com'),
      sourceAccount: stack.account,
      sourceArn: this.ruleArnPattern,
    });
    const deadLetterQueue = this.deadLetterQueue;
    const key = this.key;
    // Not SqsDestination: its grant (queue.grantSendMessages) includes kms:GenerateDataKey* and
    // kms:ReEncrypt*. These two statements are exactly what an SSE-KMS send needs.
    const onFailure: IDestination = {
      bind: (): DestinationConfig => {
        fn.addToRolePolicy(
          new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [deadLetterQueue.queueArn] }),
        );
        fn.addToRolePolicy(
          new PolicyStatement({
            actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
            resources: [key.keyArn],
            conditions: { StringEquals: { 'kms:ViaService': `sqs.${stack.region}.amazonaws.com` } },
          }),
        );
        return { destination: deadLetterQueue.queueArn };
      },
    };
    fn.configureAsyncInvoke({
      retryAttempts: sesInbound.deliveryRetries,
      maxEventAge: Duration.hours(sesInbound.maxEventAgeHours),
      onFailure,
    });
    const permissionNode = fn.permissionsNode.tryFindChild(permission);
    for (const rule of this.rules) {
      rule.addAction({
        bind: () => ({ lambdaAction: { functionArn: fn.functionArn, invocationType: 'Event' } }),
      });
      if (permissionNode) rule.node.addDependency(permissionNode);
    }
  }

  /** The AwsCustomResource provider is a CDK-managed singleton function in the stack. */
  private acknowledgeCustomResourceProvider(stack: Stack): void {
    const target = stack.node.tryFindChild(
      `AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`,
    );
    if (!target) return;
    Validations.of(target).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "The AwsCustomResource provider (CDK's singleton) has the basic execution role for its logs; it runs only " +
          'at deploy time to activate the rule set.',
      },
      {
        id: 'AwsSolutions-L1',
        reason:
          "The AwsCustomResource provider's runtime is chosen by aws-cdk-lib; it runs one SDK call at deploy time.",
      },
    );
  }
}
