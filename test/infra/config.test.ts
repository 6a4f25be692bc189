import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { stageArns, stageNames } from '../../lib/config/names.ts';
import { type StageConfig, StageConfigError, validateStageConfig } from '../../lib/config/stage-config.ts';
import { loadStageConfig, stages } from '../../lib/config/stages.ts';
import { buildApp } from '../../lib/app.ts';
import { testApp } from './support.ts';

const valid: StageConfig = loadStageConfig('prod');
const withChanges = (changes: Partial<StageConfig>): StageConfig => ({ ...valid, ...changes });

describe('stage configs', () => {
  it.each(Object.keys(stages))('%s is valid', (name) => {
    expect(() => loadStageConfig(name)).not.toThrow();
  });

  it('dev runs in one region and may delete its data; prod replicates and protects it', () => {
    const dev = loadStageConfig('dev');
    expect(dev.secondaryRegions).toEqual([]);
    expect(dev.protectData).toBe(false);
    const prod = loadStageConfig('prod');
    expect(prod.secondaryRegions.length).toBeGreaterThan(0);
    expect(prod.protectData).toBe(true);
  });

  it('rejects an unknown stage and lists the known ones', () => {
    expect(() => loadStageConfig('staging')).toThrow(StageConfigError);
    expect(() => loadStageConfig('staging')).toThrow('Unknown stage "staging". Known stages: dev, prod');
    expect(() => loadStageConfig('toString')).toThrow('Unknown stage "toString"');
  });

  it.each<[string, Partial<StageConfig>, string]>([
    ['a bad account id', { account: '1234' }, 'account "1234" must be a 12-digit AWS account id'],
    ['a placeholder-looking account', { account: 'ACCOUNT_ID' }, 'must be a 12-digit AWS account id'],
    ['a bad primary region', { primaryRegion: 'europe' }, 'primaryRegion "europe" is not an AWS region name'],
    [
      'the primary region listed as secondary',
      { secondaryRegions: ['eu-west-1'] },
      'region "eu-west-1" is the primary region and cannot also be a secondary region',
    ],
    [
      'a duplicate secondary region',
      { secondaryRegions: ['eu-central-1', 'eu-central-1'] },
      'secondary region "eu-central-1" is listed more than once',
    ],
    [
      'a bad secondary region',
      { secondaryRegions: ['mars-1'] },
      'secondary region "mars-1" is not an AWS region name',
    ],
    ['an unprotected prod', { protectData: false }, 'protectData must be true for stage "prod"'],
    ['a bad stage name', { stage: 'Prod_1' }, 'stage "Prod_1" must be 2-10 lower-case letters or digits'],
    ['a bad alarm email', { alarmEmail: 'secops' }, 'alarmEmail "secops" is not an email address'],
    ['infinite log retention', { logRetention: RetentionDays.INFINITE }, 'logRetention must be finite'],
    [
      'an unknown retention',
      { logRetention: 42 as RetentionDays },
      'logRetention 42 is not a CloudWatch Logs',
    ],
    ['an http issuer', { jwt: { issuer: 'http://auth.example', audience: 'a' } }, 'must be an https URL'],
    [
      'an empty audience',
      { jwt: { issuer: 'https://auth.example', audience: ' ' } },
      'jwt.audience must not be empty',
    ],
    ['a wildcard CORS origin', { corsAllowOrigins: ['*'] }, 'CORS origin "*" must be an exact origin'],
    ['a CORS origin with a path', { corsAllowOrigins: ['https://app.example/x'] }, 'must be an exact origin'],
    ['a plain-http CORS origin', { corsAllowOrigins: ['http://app.example'] }, 'must be an exact origin'],
    [
      'a burst under the rate',
      { apiThrottle: { rateLimit: 100, burstLimit: 10 } },
      'apiThrottle.burstLimit 10 must be an integer of at least rateLimit (100)',
    ],
    [
      'a zero rate',
      { apiThrottle: { rateLimit: 0, burstLimit: 10 } },
      'apiThrottle.rateLimit 0 must be a positive',
    ],
  ])('rejects %s with a clear message', (_label, changes, message) => {
    const attempt = () => validateStageConfig(withChanges(changes));
    expect(attempt).toThrow(StageConfigError);
    expect(attempt).toThrow(message);
  });

  it('reports every problem at once', () => {
    const attempt = () => validateStageConfig(withChanges({ account: 'x', secondaryRegions: ['eu-west-1'] }));
    expect(attempt).toThrow(/account "x"[\s\S]*primary region and cannot also be a secondary/);
  });

  it('accepts localhost over http as a CORS origin for development', () => {
    expect(() =>
      validateStageConfig(withChanges({ corsAllowOrigins: ['http://localhost:5173'] })),
    ).not.toThrow();
  });

  it('buildApp refuses an invalid config before creating any stack', () => {
    const app = testApp();
    expect(() => buildApp(app, withChanges({ account: '12' }))).toThrow(StageConfigError);
    expect(app.node.children).toHaveLength(0);
  });
});

describe('deterministic names', () => {
  it('derives every physical name from the stage', () => {
    const names = stageNames({ stage: 'prod' });
    expect(names.tableName).toBe('phishx-prod-main');
    expect(names.dataKeyAlias).toBe('alias/phishx-prod-data');
    expect(names.signingSecretName).toBe('phishx/prod/jwt-signing-key');
    expect(names.analysisQueueName).toBe('phishx-prod-analysis');
    expect(names.analysisDeadLetterQueueName).toBe('phishx-prod-analysis-dlq');
    expect(names.functionName('get-email')).toBe('phishx-prod-get-email');
  });

  it('builds region-local ARNs without tokens', () => {
    const arns = stageArns(valid, 'eu-central-1');
    expect(arns.dataKeyAlias).toBe('arn:aws:kms:eu-central-1:111111111111:alias/phishx-prod-data');
    expect(arns.table).toBe('arn:aws:dynamodb:eu-central-1:111111111111:table/phishx-prod-main');
    expect(arns.signingSecret).toBe(
      'arn:aws:secretsmanager:eu-central-1:111111111111:secret:phishx/prod/jwt-signing-key-??????',
    );
  });
});
