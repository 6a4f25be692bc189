/**
 * The rotation job in the synthesized templates: scheduled in the primary region only (the
 * table is global; one writer is enough), deployed everywhere (run by hand during a failover),
 * with exactly the grants it needs, and an alarm on its failures.
 */
import { describe, expect, it } from 'vitest';
import { functions } from '../../lambdas/shared/catalog.ts';
import { stageNames } from '../../lib/config/names.ts';
import { asArray, buildStage, referencedId, resourcesOf, statementsIn } from './support.ts';

const definition = functions['rewrap-items'];

describe('rewrap-items in the catalog', () => {
  it('is a scheduled job that may scan the table and create and unwrap branch keys', () => {
    expect(definition).toMatchObject({
      entry: 'lambdas/ops/rewrap-items.ts',
      trigger: 'schedule',
      schedule: expect.stringMatching(/^(cron|rate)\(/),
      timeoutSeconds: 900,
      access: { table: 'readwrite', tableScan: 'read', dataKeys: ['encrypt', 'decrypt'] },
    });
  });

  it('is the only function that may scan', () => {
    const scanners = Object.values(functions).filter((entry) => entry.access.tableScan);
    expect(scanners.map((entry) => entry.name)).toEqual(['rewrap-items']);
  });
});

describe.each(['dev', 'prod'])('%s: rewrap-items', (stage) => {
  const built = buildStage(stage);
  const names = stageNames(built.config);
  const functionName = names.functionName('rewrap-items');

  for (const [region, stack] of built.regionalStacks) {
    const primary = region === built.config.primaryRegion;
    const template = built.template(stack);
    const [[functionId, fn] = []] = resourcesOf(template, 'AWS::Lambda::Function').filter(
      ([, resource]) => resource.Properties?.FunctionName === functionName,
    );
    const rulesTargeting = () =>
      resourcesOf(template, 'AWS::Events::Rule').filter(([, rule]) =>
        asArray(rule.Properties?.Targets as unknown[]).some(
          (target) => referencedId((target as { Arn?: unknown }).Arn) === functionId,
        ),
      );

    it(`is deployed in ${region} with its catalog size and timeout`, () => {
      expect(fn?.Properties).toMatchObject({ MemorySize: definition.memoryMb, Timeout: 900 });
    });

    if (primary) {
      it(`runs on its schedule in the primary region ${region}, retried twice`, () => {
        const rules = rulesTargeting();
        expect(rules).toHaveLength(1);
        expect(rules[0]?.[1].Properties).toMatchObject({
          ScheduleExpression: definition.schedule,
          State: 'ENABLED',
          Targets: [
            {
              Arn: { 'Fn::GetAtt': [functionId, 'Arn'] },
              RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 6 * 3600 },
            },
          ],
        });
        template.hasResourceProperties('AWS::Lambda::Permission', {
          Action: 'lambda:InvokeFunction',
          Principal: 'events.amazonaws.com',
          FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] },
          SourceArn: { 'Fn::GetAtt': [rules[0]?.[0], 'Arn'] },
        });
      });
    } else {
      it(`has no schedule in the secondary region ${region}`, () => {
        expect(rulesTargeting()).toEqual([]);
        expect(resourcesOf(template, 'AWS::Events::Rule')).toEqual([]);
      });
    }

    it(`may scan and update the ${region} replica, and use the data key only with a {tenant, purpose} context`, () => {
      const roleId = referencedId(fn?.Properties?.Role);
      const statements = resourcesOf(template, 'AWS::IAM::Policy')
        .filter(([, policy]) =>
          asArray(policy.Properties?.Roles).some((role) => referencedId(role) === roleId),
        )
        .flatMap(([, policy]) => statementsIn(policy.Properties));
      const scan = statements.filter((statement) => asArray(statement.Action).includes('dynamodb:Scan'));
      expect(scan).toHaveLength(1);
      expect(scan[0]?.Condition).toBeUndefined();
      // The table itself, not its indexes (CDK merges it with the table's other actions).
      expect(JSON.stringify(scan[0]?.Resource)).toMatch(
        new RegExp(`:dynamodb:${region}:${built.config.account}:table/${names.tableName}"`),
      );
      expect(JSON.stringify(scan[0]?.Resource)).not.toContain('/index/');

      const actions = statements.flatMap((statement) => asArray(statement.Action));
      for (const action of ['dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:PutItem']) {
        expect(actions).toContain(action);
      }
      const dataKey = statements.filter(
        (statement) =>
          JSON.stringify(statement.Condition ?? {}).includes('kms:EncryptionContextKeys') &&
          asArray(statement.Action).some((action) => action === 'kms:GenerateDataKey'),
      );
      expect(dataKey).toHaveLength(1);
      expect(asArray(dataKey[0]?.Action).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    });

    it(`alarms in ${region} on items failing integrity or failed runs`, () => {
      const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').filter(([, alarm]) =>
        String(alarm.Properties?.AlarmDescription ?? '').startsWith('The key-rotation job'),
      );
      expect(alarms).toHaveLength(1);
      const metrics = JSON.stringify(alarms[0]?.[1].Properties?.Metrics);
      expect(metrics).toContain('"MetricName":"RewrapFailures"');
      expect(metrics).toContain('"MetricName":"Errors"');
      expect(alarms[0]?.[1].Properties).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    });
  }
});
