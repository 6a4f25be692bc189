/**
 * The data key: a customer-managed KMS key per region, always under the alias
 * `alias/phishx-<stage>-data`. It encrypts the table (SSE), the signing-key secret, and wraps
 * the per-item data keys of field encryption.
 *
 * Why one key per region, found by alias: a TableV2 replica and a secret replica each need a
 * key in their own region, and regional stacks must not hold cross-region token references.
 * A fixed alias in every region gives both a deterministic name. Today each region's key has
 * its own material, so a data key wrapped in one region cannot be unwrapped in another; the
 * multi-region-key issue replaces the key behind each alias with a replica of one multi-region
 * key, and nothing that reads the alias has to change.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Alias, Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { stageArns, stageNames } from '../config/names.ts';
import type { StageConfig } from '../config/stage-config.ts';

export interface DataKeyProps {
  readonly config: StageConfig;
}

/** Creates the region's data key and its alias (stateful: lives in a data stack). */
export class DataKey extends Construct {
  public readonly key: Key;
  public readonly alias: Alias;

  constructor(scope: Construct, id: string, props: DataKeyProps) {
    super(scope, id);
    const names = stageNames(props.config);
    this.key = new Key(this, 'Key', {
      description: `PhishX ${props.config.stage} data key: table encryption, signing-key secret, field data keys`,
      enableKeyRotation: true,
      keySpec: KeySpec.SYMMETRIC_DEFAULT,
      keyUsage: KeyUsage.ENCRYPT_DECRYPT,
      // Losing this key loses every stored email: never delete it outside dev.
      removalPolicy: props.config.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.alias = new Alias(this, 'Alias', { aliasName: names.dataKeyAlias, targetKey: this.key });
  }
}

export type PolicyConditions = Record<string, Record<string, unknown>>;

/**
 * How a function reaches the data key of its own region: by the alias, with no token
 * reference to the key. IAM cannot name a key by alias, so grants name any key of the
 * account and region and narrow it with `kms:ResourceAliases` to the key behind the alias.
 */
export class DataKeyRef {
  /** The data key of `scope`'s region, by alias. */
  static inRegionOf(scope: Construct, config: StageConfig): DataKeyRef {
    const region = Stack.of(scope).region;
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
    /** What code passes to KMS as `KeyId` (the alias ARN for regional references). */
    public readonly keyId: string,
    /** The IAM resource grants name. */
    public readonly grantResource: string,
    private readonly baseConditions: PolicyConditions,
  ) {}

  /** True when grants name any key and narrow it by alias (cdk-nag sees a wildcard resource). */
  get byAlias(): boolean {
    return this.grantResource.endsWith(':key/*');
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
