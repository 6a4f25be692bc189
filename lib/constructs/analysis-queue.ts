/**
 * The analysis queue: ingest sends `{ tenant, id }` jobs, the analysis function consumes them in
 * batches with partial failures. Every message that fails `maxReceiveCount` times lands in the
 * dead-letter queue, which keeps it 14 days for inspection and redrive.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { analysisQueue } from '../../lambdas/shared/catalog.ts';

export interface AnalysisQueueProps {
  readonly queueName: string;
  readonly deadLetterQueueName: string;
  /**
   * Encrypts both queues. A customer-managed key rather than SQS-managed SSE: key use is in
   * CloudTrail and only roles granted on this key can read a message, not every role with
   * `sqs:ReceiveMessage`.
   */
  readonly encryptionKey: Key;
}

export class AnalysisQueue extends Construct {
  public readonly queue: Queue;
  public readonly deadLetterQueue: Queue;
  public readonly encryptionKey: Key;
  public readonly visibilityTimeout: Duration;

  constructor(scope: Construct, id: string, props: AnalysisQueueProps) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    this.visibilityTimeout = Duration.seconds(analysisQueue.visibilityTimeoutSeconds);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      queueName: props.deadLetterQueueName,
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.queue = new Queue(this, 'Queue', {
      queueName: props.queueName,
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      // One data key per 5 minutes instead of per message: fewer KMS calls, same protection.
      dataKeyReuse: Duration.minutes(5),
      enforceSSL: true,
      visibilityTimeout: this.visibilityTimeout,
      // Longer than every retry can take (maxReceiveCount x visibility timeout = 30 min).
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: analysisQueue.maxReceiveCount },
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
