import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { AnalysisJob, AnalysisQueue } from '#core/ports.ts';

/** The job carries ids only: the message itself stays encrypted in the table. */
export class SqsAnalysisQueue implements AnalysisQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(job: AnalysisJob): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify({ tenant: job.tenant, id: job.id }),
      }),
    );
  }
}
