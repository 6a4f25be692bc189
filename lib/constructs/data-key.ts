/**
 * The data key: ONE customer-managed multi-region KMS key per stage. Its primary lives in the
 * primary region, a replica (same key material, same `mrk-` key id) in every secondary region,
 * and each region has the same alias `alias/phishx-<stage>-data` pointing at its own primary or
 * replica. It encrypts the table (SSE), the signing-key secret, and wraps the branch keys of
 * field encryption: a branch key wrapped in one region unwraps in any other, so failover reads
 * work.
 *
 * Why found by alias: a TableV2 replica and a secret replica each need a key in their own
 * region, and stacks must not hold cross-region (or cross-stack) token references. A fixed
 * alias in every region gives both a deterministic name; the `mrk-` key id is random.
 *
 * Deploy order (lib/app.ts): the primary key's DataKeyStack, then each replica's DataKeyStack,
 * then the DataStack whose table and secret replicas use the keys.
 */
import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AccountRootPrincipal,
  type IGrantable,
  PolicyDocument,
  PolicyStatement,
  Role,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import { Alias, CfnAlias, CfnReplicaKey, Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { AwsCustomResource, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { stageArns, stageNames } from '../config/names.ts';
import type { StageConfig } from '../config/stage-config.ts';

export interface DataKeyProps {
  readonly config: StageConfig;
}

const keyDescription = (config: StageConfig) =>
  `PhishX ${config.stage} data key (multi-region): table encryption, signing-key secret, branch keys`;

/** Losing this key loses every stored email: never delete it outside dev. */
const keyRemovalPolicy = (config: StageConfig) =>
  config.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

/**
 * The primary of the multi-region data key and its alias, in the primary region (stateful:
 * lives in the primary region's DataKeyStack). Rotation is a property of the multi-region key:
 * set here, it applies to every replica.
 */
export class DataKey extends Construct {
  public readonly key: Key;
  public readonly alias: Alias;

  constructor(scope: Construct, id: string, props: DataKeyProps) {
    super(scope, id);
    const { config } = props;
    const region = Stack.of(this).region;
    if (region !== config.primaryRegion) {
      throw new Error(`DataKey (multi-region primary) belongs in ${config.primaryRegion}, not ${region}`);
    }
    this.key = new Key(this, 'Key', {
      description: keyDescription(config),
      multiRegion: true,
      enableKeyRotation: true,
      keySpec: KeySpec.SYMMETRIC_DEFAULT,
      keyUsage: KeyUsage.ENCRYPT_DECRYPT,
      removalPolicy: keyRemovalPolicy(config),
    });
    this.alias = new Alias(this, 'Alias', {
      aliasName: stageNames(config).dataKeyAlias,
      targetKey: this.key,
    });
  }
}

/**
 * A replica of the multi-region data key in a secondary region, under the same alias (lives in
 * that region's DataKeyStack, deployed after the primary's).
 *
 * How it finds the primary: `AWS::KMS::ReplicaKey` needs the primary's ARN, whose `mrk-` id is
 * random, and stacks must not reference each other's tokens (no exports, no cross-region
 * references, which CDK would implement with SSM parameters and custom resources that pin the
 * producer). So a custom resource calls `kms:DescribeKey` on the primary region's alias, the
 * deterministic name from config, and hands `KeyMetadata.Arn` to the replica. Its role may
 * DescribeKey only on keys of the primary region that carry the data-key alias, and write only
 * its own log group. The lookup runs on create (and when its call changes); the primary's ARN
 * never changes for the life of the key.
 */
export class DataKeyReplica extends Construct {
  /** The primary key's ARN, as the lookup returns it (a token resolved at deploy time). */
  public readonly primaryKeyArn: string;
  public readonly primaryKeyLookup: AwsCustomResource;
  public readonly replicaKey: CfnReplicaKey;
  public readonly alias: CfnAlias;

  constructor(scope: Construct, id: string, props: DataKeyProps) {
    super(scope, id);
    const { config } = props;
    const region = Stack.of(this).region;
    if (!config.secondaryRegions.includes(region)) {
      throw new Error(`DataKeyReplica belongs in a secondary region of ${config.stage}, not ${region}`);
    }
    const names = stageNames(config);
    const primary = stageArns(config, config.primaryRegion);

    const lookupLogGroup = new LogGroup(this, 'PrimaryKeyLookupLogGroup', {
      retention: config.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const lookupRole = new Role(this, 'PrimaryKeyLookupRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Reads the ARN of the ${config.stage} data key's multi-region primary (${config.primaryRegion})`,
    });
    lookupLogGroup.grantWrite(lookupRole);
    const primaryKeyRef = DataKeyRef.inRegion(config, config.primaryRegion);
    primaryKeyRef.grant(lookupRole, ['kms:DescribeKey']);
    const acknowledgement = primaryKeyRef.wildcardAcknowledgement;
    if (acknowledgement) Validations.of(lookupRole).acknowledge(acknowledgement);

    this.primaryKeyLookup = new AwsCustomResource(this, 'PrimaryKeyLookup', {
      resourceType: 'Custom::DataKeyPrimaryLookup',
      onCreate: {
        service: 'KMS',
        action: 'DescribeKey',
        region: config.primaryRegion,
        parameters: { KeyId: primary.dataKeyAlias },
        physicalResourceId: PhysicalResourceId.fromResponse('KeyMetadata.KeyId'),
        outputPaths: ['KeyMetadata.Arn', 'KeyMetadata.KeyId'],
      },
      // The explicit role above carries exactly the one statement; no generated policy.
      role: lookupRole,
      logGroup: lookupLogGroup,
      installLatestAwsSdk: false,
    });
    this.primaryKeyArn = this.primaryKeyLookup.getResponseField('KeyMetadata.Arn');

    this.replicaKey = new CfnReplicaKey(this, 'ReplicaKey', {
      primaryKeyArn: this.primaryKeyArn,
      description: keyDescription(config),
      enabled: true,
      // The same policy the primary gets by default: the account root may use IAM policies to
      // grant key access, and administer the key. Every use is granted by an IAM policy (see
      // DataKeyRef); DynamoDB and Secrets Manager replicas use the key with the deploying
      // caller's rights, so no service principal needs a statement of its own.
      keyPolicy: new PolicyDocument({
        statements: [
          new PolicyStatement({
            actions: ['kms:*'],
            principals: [new AccountRootPrincipal()],
            resources: ['*'],
          }),
        ],
      }),
    });
    this.replicaKey.applyRemovalPolicy(keyRemovalPolicy(config));

    this.alias = new CfnAlias(this, 'Alias', {
      aliasName: names.dataKeyAlias,
      targetKeyId: this.replicaKey.attrKeyId,
    });
  }
}

export type PolicyConditions = Record<string, Record<string, unknown>>;

/**
 * How code reaches the data key of a region: by the alias, with no token reference to the key.
 * IAM cannot name a key by alias, so grants name any key of the account and region and narrow
 * it with `kms:ResourceAliases` to the key behind the alias.
 */
export class DataKeyRef {
  /** The data key of `scope`'s region, by alias. */
  static inRegionOf(scope: Construct, config: StageConfig): DataKeyRef {
    return DataKeyRef.inRegion(config, Stack.of(scope).region);
  }

  /** The data key of `region` (the primary there, a replica elsewhere), by alias. */
  static inRegion(config: StageConfig, region: string): DataKeyRef {
    const arns = stageArns(config, region);
    return new DataKeyRef(arns.dataKeyAlias, arns.anyKey, {
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': stageNames(config).dataKeyAlias },
    });
  }

  /** A key created in the same stack: grants name it exactly. */
  static fromKey(key: Key): DataKeyRef {
    return new DataKeyRef(key.keyArn, key.keyArn, {});
  }

  private constructor(
    /** What code passes to KMS as `KeyId` (the alias ARN for references by alias). */
    public readonly keyId: string,
    /** The IAM resource grants name. */
    public readonly grantResource: string,
    private readonly baseConditions: PolicyConditions,
  ) {}

  /** True when grants name any key and narrow it by alias (cdk-nag sees a wildcard resource). */
  get byAlias(): boolean {
    return this.grantResource.endsWith(':key/*');
  }

  /**
   * The cdk-nag finding a grant by alias raises, with its reason (for `Validations.acknowledge`);
   * undefined for a key named exactly.
   */
  get wildcardAcknowledgement(): { id: string; reason: string } | undefined {
    if (!this.byAlias) return undefined;
    return {
      id: `AwsSolutions-IAM5[Resource::${this.grantResource}]`,
      reason:
        'The data key is found by its alias (no cross-region token). IAM cannot name a key by alias, so the ' +
        'grant names any key in the region and the kms:ResourceAliases condition narrows it to the one key ' +
        'behind the alias.',
    };
  }

  /** Allows exactly `actions` on this key, under `conditions` in addition to the alias check. */
  grant(grantee: IGrantable, actions: readonly string[], conditions: PolicyConditions = {}): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [...actions],
        resources: [this.grantResource],
        conditions: mergeConditions(this.baseConditions, conditions),
      }),
    );
  }
}

const mergeConditions = (a: PolicyConditions, b: PolicyConditions): PolicyConditions => {
  const merged: PolicyConditions = { ...a };
  for (const [operator, entries] of Object.entries(b)) {
    merged[operator] = { ...merged[operator], ...entries };
  }
  return merged;
};
