/**
 * The SES inbound construct in a test stack of its own, built from a stage config: the receipt
 * rule set and rules, the bucket and its policies, the activation resource, the hand-off to the
 * ingest function and its grants, and cdk-nag.
 */
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { functions, sesInbound as settings } from '../../lambdas/shared/catalog.ts';
import { loadStageConfig } from '../../lib/config/stages.ts';
import type { StageConfig } from '../../lib/config/stage-config.ts';
import { AppFunction } from '../../lib/constructs/app-function.ts';
import { SesInbound, sesInboundProblems, sesReceivingRegions } from '../../lib/constructs/ses-inbound.ts';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Validations } from 'aws-cdk-lib';
import { asArray, type PolicyStatementJson, resourcesOf, statementsIn, testApp } from './support.ts';

const domains = ['acme.example', 'mail.globex.example'];

const build = (config: StageConfig, region = config.primaryRegion) => {
  const app = testApp();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new Stack(app, 'SesInboundTest', { env: { account: config.account, region } });
  const inbound = new SesInbound(stack, 'SesInbound', { config, recipientDomains: domains });
  const ingest = new AppFunction(stack, 'IngestSes', { config, definition: functions['ingest-ses'] });
  inbound.mailBucket.grantRead(ingest);
  inbound.deliverTo(ingest);
  return { app, stack, inbound, ingest, template: Template.fromStack(stack) };
};

const dev = loadStageConfig('dev');
const { app, template } = build(dev);
const account = dev.account;
const region = dev.primaryRegion;
const ruleArnPattern = `arn:aws:ses:${region}:${account}:receipt-rule-set/phishx-dev-inbound:receipt-rule/*`;

describe('receipt rules', () => {
  it('one rule set, one rule per domain: TLS required, scanning on, S3 then Lambda', () => {
    template.resourceCountIs('AWS::SES::ReceiptRuleSet', 1);
    template.hasResourceProperties('AWS::SES::ReceiptRuleSet', { RuleSetName: 'phishx-dev-inbound' });
    template.resourceCountIs('AWS::SES::ReceiptRule', domains.length);
    for (const domain of domains) {
      template.hasResourceProperties('AWS::SES::ReceiptRule', {
        RuleSetName: Match.anyValue(),
        Rule: Match.objectLike({
          Recipients: [domain],
          Enabled: true,
          ScanEnabled: true,
          TlsPolicy: 'Require',
          Actions: [
            { S3Action: { BucketName: Match.anyValue(), ObjectKeyPrefix: settings.objectKeyPrefix } },
            { LambdaAction: { FunctionArn: Match.anyValue(), InvocationType: 'Event' } },
          ],
        }),
      });
    }
  });

  it('rules are created after the bucket policy and the invoke permission (SES checks both)', () => {
    for (const [, rule] of resourcesOf(template, 'AWS::SES::ReceiptRule')) {
      const dependsOn = asArray(rule.DependsOn as string | string[]);
      expect(dependsOn.some((id) => id.includes('BucketPolicy'))).toBe(true);
      expect(dependsOn.some((id) => id.includes('AllowSesInboundRules'))).toBe(true);
    }
  });

  it('a custom resource activates the rule set, and deactivates it on delete, with one action allowed', () => {
    const [[, activation] = []] = resourcesOf(template, 'Custom::SesActiveReceiptRuleSet');
    // The calls are JSON strings in the template (tokens resolved at deploy time).
    const call = (phase: string) =>
      JSON.parse(String(activation?.Properties?.[phase])) as Record<string, unknown>;
    for (const phase of ['Create', 'Update']) {
      expect(call(phase)).toMatchObject({
        service: 'SES',
        action: 'setActiveReceiptRuleSet',
        parameters: { RuleSetName: 'phishx-dev-inbound' },
      });
    }
    expect(call('Delete')).toMatchObject({
      service: 'SES',
      action: 'setActiveReceiptRuleSet',
      parameters: {},
    });
    expect(activation?.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/Rule/)]));
    const policies = resourcesOf(template, 'AWS::IAM::Policy').filter(([id]) =>
      id.startsWith('SesInboundActivation'),
    );
    const actions = policies.flatMap(([, policy]) =>
      statementsIn(policy.Properties).flatMap((s) => asArray(s.Action)),
    );
    expect(actions).toEqual(['ses:SetActiveReceiptRuleSet']);
  });
});

describe('the mail bucket', () => {
  it('is KMS-encrypted with its own key, blocks public access, expires raw mail, keeps no versions', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: `phishx-dev-mail-${account}-${region}`,
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() },
          },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            Status: 'Enabled',
            ExpirationInDays: settings.rawMailRetentionDays,
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          }),
        ],
      },
    });
    const [[, bucket] = []] = resourcesOf(template, 'AWS::S3::Bucket');
    expect(bucket?.Properties?.VersioningConfiguration).toBeUndefined();
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  const bucketStatements = (): PolicyStatementJson[] =>
    resourcesOf(template, 'AWS::S3::BucketPolicy').flatMap(([, policy]) => statementsIn(policy.Properties));

  it('denies any request without TLS', () => {
    expect(bucketStatements()).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Principal: { AWS: '*' },
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  });

  it('lets SES put objects under the prefix only, only for these rules of this account', () => {
    const ses = bucketStatements().filter((s) => JSON.stringify(s.Principal).includes('ses.amazonaws.com'));
    expect(ses).toHaveLength(1);
    expect(ses[0]).toMatchObject({
      Effect: 'Allow',
      Action: 's3:PutObject',
      Condition: {
        StringEquals: { 'aws:SourceAccount': account },
        ArnLike: { 'aws:SourceArn': ruleArnPattern },
      },
    });
    expect(JSON.stringify(ses[0]?.Resource)).toContain(`/${settings.objectKeyPrefix}*`);
  });

  it('lets SES use the key for these rules only (the key policy)', () => {
    const keyStatements = resourcesOf(template, 'AWS::KMS::Key').flatMap(([, key]) =>
      statementsIn(key.Properties),
    );
    const ses = keyStatements.filter((s) => JSON.stringify(s.Principal).includes('ses.amazonaws.com'));
    expect(ses).toHaveLength(1);
    expect(ses[0]).toMatchObject({
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Condition: {
        StringEquals: { 'aws:SourceAccount': account },
        ArnLike: { 'aws:SourceArn': ruleArnPattern },
      },
    });
  });
});

describe('the hand-off to ingest', () => {
  it('SES may invoke the function only from these rules', () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'ses.amazonaws.com',
      SourceAccount: account,
      SourceArn: ruleArnPattern,
    });
  });

  it('async invocation: 2 retries, 6 h, then the encrypted dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] } },
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'phishx-dev-ses-ingest-dlq',
      KmsMasterKeyId: Match.anyValue(),
      MessageRetentionPeriod: settings.deadLetterRetentionDays * 86_400,
    });
  });

  it('the ingest role may read mail and send failures, exactly, with no wildcard action', () => {
    const [roleId] = Object.keys(template.findResources('AWS::IAM::Role')).filter((id) =>
      id.startsWith('IngestSesRole'),
    );
    const statements = resourcesOf(template, 'AWS::IAM::Policy')
      .filter(([, policy]) => JSON.stringify(policy.Properties?.Roles).includes(roleId ?? '?'))
      .flatMap(([, policy]) => statementsIn(policy.Properties));
    const actions = statements.flatMap((s) => asArray(s.Action));
    for (const action of actions) expect(action).not.toMatch(/\*/);
    expect(actions).toEqual(
      expect.arrayContaining(['s3:GetObject', 'kms:Decrypt', 'sqs:SendMessage', 'kms:GenerateDataKey']),
    );
    const read = statements.find((s) => asArray(s.Action).includes('s3:GetObject'));
    expect(asArray(read?.Action)).toEqual(['s3:GetObject']);
    expect(JSON.stringify(read?.Resource)).toContain(`/${settings.objectKeyPrefix}*`);
    const viaServices = statements
      .filter(
        (s) =>
          asArray(s.Action).some((a) => a.startsWith('kms:')) &&
          !JSON.stringify(s.Condition ?? {}).includes('ResourceAliases'),
      )
      .map((s) => s.Condition?.StringEquals?.['kms:ViaService']);
    expect(viaServices.sort()).toEqual([`s3.${region}.amazonaws.com`, `sqs.${region}.amazonaws.com`]);
    expect(actions).not.toContain('s3:PutObject');
    expect(actions).not.toContain('s3:DeleteObject');
  });
});

describe('cdk-nag and validation', () => {
  it('synthesizes with no unacknowledged AwsSolutions finding', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it('refuses a region where SES does not receive mail, and bad domains', () => {
    const frankfurtOnly = { ...dev, primaryRegion: 'eu-south-1' };
    expect(() => build(frankfurtOnly)).toThrow(/not offered in eu-south-1/);
    expect(
      sesInboundProblems({ recipientDomains: ['acme.example'], regions: ['eu-west-1'] }, ['eu-west-1']),
    ).toEqual([]);
    expect(
      sesInboundProblems({ recipientDomains: ['acme.example'], regions: ['sa-east-1'] }, ['sa-east-1']),
    ).toEqual([expect.stringContaining('does not offer SES email receiving')]);
    expect(
      sesInboundProblems({ recipientDomains: ['acme.example'], regions: ['us-east-1'] }, ['eu-west-1']),
    ).toEqual([expect.stringContaining('not a region of this stage')]);
    expect(
      sesInboundProblems(
        { recipientDomains: ['ACME.example', 'a.example', 'a.example'], regions: ['eu-west-1'] },
        ['eu-west-1'],
      ),
    ).toHaveLength(2);
    expect(sesReceivingRegions).toContain('eu-west-1');
  });
});
