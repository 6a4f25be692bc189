/**
 * cdk-nag (AwsSolutions) runs as a validation plugin inside `buildApp`: a synth with any
 * unacknowledged error throws. Every acknowledgement in lib/ carries its reason.
 */
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/app.ts';
import { loadStageConfig } from '../../lib/config/stages.ts';
import { testApp } from './support.ts';

describe('cdk-nag AwsSolutions', () => {
  it.each(['dev', 'prod'])('%s synthesizes with no unacknowledged error', (stage) => {
    const app = testApp();
    buildApp(app, stage);
    // cdk-nag 3 reports through CDK's policy validation: findings make synth throw.
    expect(() => app.synth()).not.toThrow();
  });

  it('fails the synth on an unacknowledged finding (the plugin is live)', () => {
    const app = testApp();
    const { regionalStacks } = buildApp(app, 'dev');
    const [stack] = regionalStacks.values();
    if (!stack) throw new Error('no regional stack');
    new Queue(stack, 'QueueWithoutDeadLetterQueue', { enforceSSL: true });
    expect(() => app.synth()).toThrow(/SQS queue is not used as a dead-letter queue[\s\S]*AwsSolutions-SQS3/);
  });

  it('every acknowledgement in lib/ gives a reason of substance', () => {
    const app = testApp();
    buildApp(app, 'prod');
    const acknowledgements = app.node
      .findAll()
      .flatMap((construct) => construct.node.metadata)
      .filter((entry) => JSON.stringify(entry.data ?? '').includes('AwsSolutions-'));
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const entry of acknowledgements) {
      // Metadata entries map `Annotation::<rule id>` to the reason given.
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        expect(id).toMatch(/^Annotation::AwsSolutions-[A-Z]+\d+/);
        expect(reason.length, `${id}: ${reason}`).toBeGreaterThan(40);
      }
    }
  });
});

describe('CORS', () => {
  it('adds preflight routes for a non-empty allow-list, and they pass cdk-nag with reasons', () => {
    const config = { ...loadStageConfig('dev'), corsAllowOrigins: ['https://console.phishx.example'] };
    const app = testApp();
    const { regionalStacks } = buildApp(app, config);
    const [stack] = regionalStacks.values();
    if (!stack) throw new Error('no regional stack');
    const template = Template.fromStack(stack);
    const options = Object.values(template.findResources('AWS::ApiGateway::Method')).filter(
      (method) => method.Properties.HttpMethod === 'OPTIONS',
    );
    expect(options.length).toBeGreaterThan(0);
    expect(JSON.stringify(options)).toContain("'https://console.phishx.example'");
    expect(() => app.synth()).not.toThrow();
  });
});
