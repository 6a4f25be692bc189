import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { mainTable } from '../../lambdas/shared/tables.ts';
import { stageNames } from '../../lib/config/names.ts';
import { buildStage, resourceOf, resourcesOf } from './support.ts';

const dev = buildStage('dev');
const prod = buildStage('prod');

describe.each([
  ['dev', dev],
  ['prod', prod],
])('data stack (%s)', (stage, built) => {
  const template = built.template(built.dataStack);
  const names = stageNames(built.config);
  const [tableId, table] = resourcesOf(template, 'AWS::DynamoDB::GlobalTable')[0] ?? [];
  const aliasArn = (region: string) => `arn:aws:kms:${region}:${built.config.account}:${names.dataKeyAlias}`;

  it('lives in the primary region', () => {
    expect(built.dataStack.region).toBe(built.config.primaryRegion);
    expect(built.dataStack.account).toBe(built.config.account);
  });

  it('has one on-demand global table named after the stage, keyed as defined', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: names.tableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: mainTable.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: mainTable.sortKey?.name, KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: mainTable.timeToLiveAttribute, Enabled: true },
    });
  });

  it('encrypts every table replica with the data key of its region (by alias), and has PITR in each', () => {
    expect(tableId).toBeDefined();
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
    });
    const replicas = (table?.Properties?.Replicas ?? []) as Record<string, unknown>[];
    expect(replicas.map((replica) => replica.Region).sort()).toEqual(
      [built.config.primaryRegion, ...built.config.secondaryRegions].sort(),
    );
    for (const replica of replicas) {
      expect(replica.PointInTimeRecoverySpecification).toMatchObject({ PointInTimeRecoveryEnabled: true });
      const sseKey = (replica.SSESpecification as { KMSMasterKeyId: unknown }).KMSMasterKeyId;
      expect(sseKey).toBe(
        `arn:aws:kms:${replica.Region as string}:${built.config.account}:alias/phishx-${stage}-data`,
      );
    }
  });

  it(`${stage === 'dev' ? 'may delete' : 'protects'} the table`, () => {
    const replicas = (table?.Properties?.Replicas ?? []) as Record<string, unknown>[];
    for (const replica of replicas) expect(replica.DeletionProtectionEnabled).toBe(built.config.protectData);
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: built.config.protectData ? 'Retain' : 'Delete',
    });
  });

  it('holds no key: the multi-region data key lives in the DataKeyStacks (see data-key.test.ts)', () => {
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.resourceCountIs('AWS::KMS::ReplicaKey', 0);
    template.resourceCountIs('AWS::KMS::Alias', 0);
  });

  it.each(['signingSecretName', 'verificationKeysSecretName'] as const)(
    'creates the %s secret empty, encrypted with the data key, replicated to every secondary region',
    (name) => {
      template.resourceCountIs('AWS::SecretsManager::Secret', 2);
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        Name: names[name],
        KmsKeyId: aliasArn(built.config.primaryRegion),
        GenerateSecretString: Match.absent(),
        SecretString: Match.absent(),
        ReplicaRegions:
          built.config.secondaryRegions.length === 0
            ? Match.absent()
            : built.config.secondaryRegions.map((region) => ({
                Region: region,
                KmsKeyId: aliasArn(region),
              })),
      });
    },
  );

  const secretIds = () => resourcesOf(template, 'AWS::SecretsManager::Secret').map(([id]) => id);

  it('initializes both secrets with a custom resource backed by the initializer function', () => {
    template.hasResource('Custom::SigningKeyInitializer', {
      Properties: {
        SecretId: names.signingSecretName,
        VerificationKeysSecretId: names.verificationKeysSecretName,
        ServiceToken: Match.anyValue(),
      },
      DependsOn: Match.arrayWith(secretIds()),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: names.functionName('signing-key-initializer'),
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
    });
  });

  it('lets the initializer read and write only those secrets, and use the data key only through Secrets Manager', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
            Resource: secretIds().map((id) => ({ Ref: id })),
          },
          {
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            // Any key of the region, narrowed to the one behind the data-key alias.
            Resource: `arn:aws:kms:${built.config.primaryRegion}:${built.config.account}:key/*`,
            Condition: {
              'ForAnyValue:StringEquals': { 'kms:ResourceAliases': names.dataKeyAlias },
              StringEquals: {
                'kms:ViaService': `secretsmanager.${built.config.primaryRegion}.amazonaws.com`,
              },
            },
          },
        ]),
      },
    });
  });
});

describe('stateful resources stay in data stacks', () => {
  it.each([
    ['dev', dev],
    ['prod', prod],
  ])('no regional stack (%s) has a table or a secret', (_stage, built) => {
    for (const stack of built.regionalStacks.values()) {
      const template = built.template(stack);
      template.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
      template.resourceCountIs('AWS::DynamoDB::Table', 0);
      template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    }
  });

  it('templates reference nothing across stacks or regions (no exports, imports or parameters)', () => {
    for (const built of [dev, prod]) {
      for (const [name, template] of built.templates) {
        const json = JSON.stringify(template.toJSON());
        expect(json, name).not.toContain('Fn::ImportValue');
        const outputs = Object.values(template.toJSON().Outputs ?? {}) as { Export?: unknown }[];
        expect(
          outputs.filter((output) => output.Export !== undefined),
          name,
        ).toEqual([]);
        expect(
          Object.keys(template.toJSON().Parameters ?? {}).filter((p) => p !== 'BootstrapVersion'),
          name,
        ).toEqual([]);
      }
    }
  });

  it('resource lookup helper finds the table', () => {
    const [tableId] = resourcesOf(prod.template(prod.dataStack), 'AWS::DynamoDB::GlobalTable')[0] ?? [];
    expect(resourceOf(prod.template(prod.dataStack), tableId ?? '').Type).toBe('AWS::DynamoDB::GlobalTable');
  });
});
