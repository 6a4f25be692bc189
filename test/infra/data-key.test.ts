/**
 * The multi-region data key: its primary in the primary region's DataKeyStack, a replica in
 * each secondary region's, the same alias everywhere, and the deploy order that makes it work
 * (primary key, replica keys, data stack, regional stacks).
 */
import { describe, expect, it } from 'vitest';
import { stageNames } from '../../lib/config/names.ts';
import { stageRegions } from '../../lib/config/stage-config.ts';
import { loadStageConfig } from '../../lib/config/stages.ts';
import { DataKeyStack } from '../../lib/stacks/data-key-stack.ts';
import {
  asArray,
  type BuiltStage,
  buildStage,
  referencedId,
  resourceOf,
  resourcesOf,
  statementsIn,
  testApp,
} from './support.ts';
import { buildApp } from '../../lib/app.ts';

const dev = buildStage('dev');
const prod = buildStage('prod');

const primaryKeyStack = (built: BuiltStage) => {
  const stack = built.dataKeyStacks.get(built.config.primaryRegion);
  if (!stack) throw new Error('no primary key stack');
  return stack;
};
const replicaKeyStacks = (built: BuiltStage) =>
  [...built.dataKeyStacks].filter(([region]) => region !== built.config.primaryRegion);

describe.each([
  ['dev', dev],
  ['prod', prod],
])('multi-region data key (%s)', (_stage, built) => {
  const names = stageNames(built.config);

  it('has one key stack per region, primary first, each in its own region and account', () => {
    expect([...built.dataKeyStacks.keys()]).toEqual(stageRegions(built.config));
    for (const [region, stack] of built.dataKeyStacks) {
      expect(stack.region).toBe(region);
      expect(stack.account).toBe(built.config.account);
      expect(stack.stackName).toBe(names.dataKeyStackName(region));
      expect(stack.isPrimary).toBe(region === built.config.primaryRegion);
      expect(stack.terminationProtection).toBe(built.config.protectData);
    }
  });

  it('the primary region holds the multi-region primary key: rotation on, symmetric, under the stage alias', () => {
    const template = built.template(primaryKeyStack(built));
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.resourceCountIs('AWS::KMS::ReplicaKey', 0);
    template.hasResourceProperties('AWS::KMS::Key', {
      MultiRegion: true,
      EnableKeyRotation: true,
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
    });
    const [[keyId] = []] = resourcesOf(template, 'AWS::KMS::Key');
    const aliases = resourcesOf(template, 'AWS::KMS::Alias');
    expect(aliases).toHaveLength(1);
    expect(aliases[0]?.[1].Properties?.AliasName).toBe(names.dataKeyAlias);
    expect(referencedId(aliases[0]?.[1].Properties?.TargetKeyId)).toBe(keyId);
  });

  it(`${built.config.protectData ? 'retains' : 'may delete'} the primary key`, () => {
    built.template(primaryKeyStack(built)).hasResource('AWS::KMS::Key', {
      DeletionPolicy: built.config.protectData ? 'Retain' : 'Delete',
      UpdateReplacePolicy: built.config.protectData ? 'Retain' : 'Delete',
    });
  });

  it('the alias exists in every region, once, pointing at the key of that region', () => {
    for (const region of stageRegions(built.config)) {
      const stack = built.dataKeyStacks.get(region);
      if (!stack) throw new Error(`no key stack in ${region}`);
      const template = built.template(stack);
      const aliases = resourcesOf(template, 'AWS::KMS::Alias');
      expect(aliases.map(([, alias]) => alias.Properties?.AliasName)).toEqual([names.dataKeyAlias]);
      const targetId = referencedId(aliases[0]?.[1].Properties?.TargetKeyId);
      expect(resourceOf(template, targetId ?? '').Type).toBe(
        stack.isPrimary ? 'AWS::KMS::Key' : 'AWS::KMS::ReplicaKey',
      );
    }
  });

  it('deploys the primary key stack first, then the replica stacks, then the data stack, then the regional stacks', () => {
    const primary = primaryKeyStack(built);
    expect(primary.dependencies).toEqual([]);
    for (const [, replica] of replicaKeyStacks(built)) expect(replica.dependencies).toEqual([primary]);
    expect(built.dataStack.dependencies.map((stack) => stack.stackName).sort()).toEqual(
      [...built.dataKeyStacks.values()].map((stack) => stack.stackName).sort(),
    );
    for (const regional of built.regionalStacks.values()) {
      expect(regional.dependencies).toEqual([built.dataStack]);
    }
  });
});

describe('replicas of the data key', () => {
  it('dev has none (one region)', () => {
    expect(replicaKeyStacks(dev)).toEqual([]);
    for (const template of dev.templates.values()) template.resourceCountIs('AWS::KMS::ReplicaKey', 0);
  });

  const replicas = replicaKeyStacks(prod);
  const primaryAliasArn = `arn:aws:kms:${prod.config.primaryRegion}:${prod.config.account}:${stageNames(prod.config).dataKeyAlias}`;

  it('prod has one per secondary region', () => {
    expect(replicas.map(([region]) => region)).toEqual(prod.config.secondaryRegions);
    expect(replicas.length).toBeGreaterThan(0);
  });

  describe.each(replicas)('%s', (region, stack) => {
    const template = prod.template(stack);
    const [[replicaId, replica] = []] = resourcesOf(template, 'AWS::KMS::ReplicaKey');
    const [[lookupId, lookup] = []] = resourcesOf(template, 'Custom::DataKeyPrimaryLookup');

    it('holds exactly one replica key and no key of its own', () => {
      template.resourceCountIs('AWS::KMS::ReplicaKey', 1);
      template.resourceCountIs('AWS::KMS::Key', 0);
      expect(replicaId).toBeDefined();
    });

    it('makes the replica from the primary key, whose ARN a lookup of the alias in the primary region returns', () => {
      expect(replica?.Properties?.PrimaryKeyArn).toEqual({ 'Fn::GetAtt': [lookupId, 'KeyMetadata.Arn'] });
      const call = JSON.parse(lookup?.Properties?.Create as string) as Record<string, unknown>;
      expect(call).toMatchObject({
        service: 'KMS',
        action: 'DescribeKey',
        region: prod.config.primaryRegion,
        parameters: { KeyId: primaryAliasArn },
      });
      // Nothing runs on delete: removing a replica stack must not touch the primary key.
      expect(lookup?.Properties?.Delete).toBeUndefined();
      expect(lookup?.Properties?.Update).toBeUndefined();
    });

    it('retains the replica key (prod protects its data)', () => {
      template.hasResource('AWS::KMS::ReplicaKey', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    it('gives the replica the standard key policy: the account root administers it and grants through IAM', () => {
      const statements = statementsIn(replica?.Properties?.KeyPolicy);
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${prod.config.account}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ]);
    });

    it('the lookup may only DescribeKey the data key of the primary region, and write its own log group', () => {
      const [[, fn] = []] = resourcesOf(template, 'AWS::Lambda::Function');
      const roleId = referencedId(fn?.Properties?.Role);
      const role = resourceOf(template, roleId ?? '');
      expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties?.Policies).toBeUndefined();
      const statements = resourcesOf(template, 'AWS::IAM::Policy')
        .filter(([, policy]) =>
          asArray(policy.Properties?.Roles).some((entry) => referencedId(entry) === roleId),
        )
        .flatMap(([, policy]) => statementsIn(policy.Properties));
      const logGroupId = referencedId((fn?.Properties?.LoggingConfig as { LogGroup?: unknown }).LogGroup);
      expect(resourceOf(template, logGroupId ?? '').Properties?.RetentionInDays).toBe(90);
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
        },
        {
          Effect: 'Allow',
          Action: 'kms:DescribeKey',
          Resource: `arn:aws:kms:${prod.config.primaryRegion}:${prod.config.account}:key/*`,
          Condition: {
            'ForAnyValue:StringEquals': { 'kms:ResourceAliases': stageNames(prod.config).dataKeyAlias },
          },
        },
      ]);
      expect(region).not.toBe(prod.config.primaryRegion);
    });
  });
});

describe('prod synthesizes', () => {
  it('with every key stack in the cloud assembly, in deploy order, and cdk-nag clean', () => {
    const app = testApp();
    const built = buildApp(app, 'prod');
    // cdk-nag runs as a validation plugin: an unacknowledged finding makes synth throw.
    const assembly = app.synth();
    const names = stageNames(built.config);
    // Stack dependencies, without the asset manifests every stack also depends on.
    const stacksBefore = (artifact: { dependencies: { id: string }[] }) =>
      artifact.dependencies.map((dependency) => dependency.id).filter((id) => !id.endsWith('.assets'));
    const primaryName = names.dataKeyStackName(built.config.primaryRegion);
    const primary = assembly.getStackByName(primaryName);
    expect(primary.environment.region).toBe(built.config.primaryRegion);
    expect(stacksBefore(primary)).toEqual([]);
    for (const region of built.config.secondaryRegions) {
      const replica = assembly.getStackByName(names.dataKeyStackName(region));
      expect(replica.environment.region).toBe(region);
      expect(stacksBefore(replica)).toEqual([primaryName]);
      const types = Object.values(replica.template.Resources as Record<string, { Type: string }>).map(
        (resource) => resource.Type,
      );
      expect(types).toContain('AWS::KMS::ReplicaKey');
      expect(types).toContain('AWS::KMS::Alias');
    }
    const data = assembly.getStackByName(names.dataStackName);
    expect(stacksBefore(data).sort()).toEqual(
      stageRegions(built.config)
        .map((region) => names.dataKeyStackName(region))
        .sort(),
    );
  });
});

describe('DataKeyStack', () => {
  it('refuses a region the stage does not run in', () => {
    const config = loadStageConfig('prod');
    expect(
      () =>
        new DataKeyStack(testApp(), 'Elsewhere', {
          env: { account: config.account, region: 'us-east-1' },
          config,
        }),
    ).toThrow(/DataKeyStack belongs in a region of prod, not us-east-1/);
  });
});
