/**
 * The signing-key secret rotates on a schedule through its own rotation function, which also
 * publishes the public halves to the verification-keys secret.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { stageNames } from '../../lib/config/names.ts';
import { signingKeyRotationSchedule } from '../../lib/constructs/signing-key-secret.ts';
import { asArray, buildStage, referencedId, resourceOf, resourcesOf, statementsIn } from './support.ts';

describe.each(['dev', 'prod'])('%s data stack: signing-key rotation', (stage) => {
  const built = buildStage(stage);
  const template = built.template(built.dataStack);
  const names = stageNames(built.config);
  const secretNamed = (name: string) =>
    resourcesOf(template, 'AWS::SecretsManager::Secret').find(
      ([, secret]) => secret.Properties?.Name === name,
    )?.[0];
  const secretId = secretNamed(names.signingSecretName);
  const publicId = secretNamed(names.verificationKeysSecretName);
  const [[functionId] = []] = resourcesOf(template, 'AWS::Lambda::Function').filter(
    ([, resource]) => resource.Properties?.FunctionName === names.functionName('signing-key-rotation'),
  );

  it('schedules rotation of the signing-key secret with the rotation function', () => {
    expect(signingKeyRotationSchedule).toMatch(/^rate\(\d+ days\)$/);
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: secretId },
      RotationLambdaARN: { 'Fn::GetAtt': [functionId, 'Arn'] },
      RotationRules: { ScheduleExpression: signingKeyRotationSchedule },
      RotateImmediatelyOnUpdate: false,
    });
  });

  it('the rotation function is nodejs22.x arm64 and only Secrets Manager of this account may invoke it', () => {
    const fn = resourceOf(template, functionId as string);
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
    const permissions = resourcesOf(template, 'AWS::Lambda::Permission').filter(
      ([, resource]) => referencedId(resource.Properties?.FunctionName) === functionId,
    );
    expect(permissions).toHaveLength(1);
    expect(permissions[0]?.[1].Properties).toMatchObject({
      Action: 'lambda:InvokeFunction',
      Principal: 'secretsmanager.amazonaws.com',
      SourceAccount: built.config.account,
    });
  });

  it('the rotation role may rotate that one secret, and only publish public keys to its twin', () => {
    const roleId = referencedId(resourceOf(template, functionId as string).Properties?.Role);
    const policies = resourcesOf(template, 'AWS::IAM::Policy').filter(([, policy]) =>
      asArray(policy.Properties?.Roles as unknown[]).some((role) => referencedId(role) === roleId),
    );
    const statements = policies.flatMap(([, policy]) => statementsIn(policy.Properties?.PolicyDocument));
    const secretStatements = statements.filter((statement) =>
      asArray(statement.Action).some((action) => action.startsWith('secretsmanager:')),
    );
    expect(secretStatements).toHaveLength(2);
    expect(secretStatements[1]).toEqual({
      Effect: 'Allow',
      Action: 'secretsmanager:PutSecretValue',
      Resource: { Ref: publicId },
    });
    expect(secretStatements[0]).toMatchObject({
      Effect: 'Allow',
      Action: [
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:UpdateSecretVersionStage',
      ],
      Resource: { Ref: secretId },
    });
    const actions = statements.flatMap((statement) => asArray(statement.Action));
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
  });

  it('starts rotating only after the first key exists', () => {
    template.hasResource('AWS::SecretsManager::RotationSchedule', {
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('Initialization')]),
    });
  });
});
