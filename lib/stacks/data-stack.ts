/**
 * Stateful, primary region: the global table (replicas in every secondary region), the
 * primary data key, and the signing-key secret (replicated likewise) with its initializer.
 * Deploys after the secondary regions' DataKeyStacks, whose keys its replicas use.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { mainTable } from '../../lambdas/shared/tables.ts';
import { stageArns, stageNames } from '../config/names.ts';
import type { StageConfig } from '../config/stage-config.ts';
import { DataKey } from '../constructs/data-key.ts';
import { GlobalTable } from '../constructs/global-table.ts';
import { SigningKeySecret } from '../constructs/signing-key-secret.ts';

export interface DataStackProps extends StackProps {
  readonly config: StageConfig;
}

export class DataStack extends Stack {
  public readonly dataKey: DataKey;
  public readonly mainTable: GlobalTable;
  public readonly signingKeySecret: SigningKeySecret;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config } = props;
    if (this.region !== config.primaryRegion) {
      throw new Error(`DataStack belongs in the primary region ${config.primaryRegion}, not ${this.region}`);
    }
    const names = stageNames(config);
    this.dataKey = new DataKey(this, 'DataKey', { config });
    this.mainTable = new GlobalTable(this, 'MainTable', {
      definition: mainTable,
      tableName: names.tableName,
      encryptionKey: this.dataKey.key,
      // Alias ARNs from config: the replica keys live in other regions' stacks (no tokens).
      replicaKeyArns: Object.fromEntries(
        config.secondaryRegions.map((region) => [region, stageArns(config, region).dataKeyAlias]),
      ),
      protectData: config.protectData,
    });
    this.signingKeySecret = new SigningKeySecret(this, 'SigningKey', {
      config,
      encryptionKey: this.dataKey.key,
    });
  }
}
