/**
 * Stateful, primary region: the global table (replicas in every secondary region) and the
 * signing-key secret (replicated likewise) with its initializer and rotation. Both are
 * encrypted with the multi-region data key, found in every region by its alias: the key lives
 * in the DataKeyStacks, which deploy first (lib/app.ts), and this stack holds no token
 * reference to them.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import { Alias } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { mainTable } from '../../lambdas/shared/tables.ts';
import { stageArns, stageNames } from '../config/names.ts';
import type { StageConfig } from '../config/stage-config.ts';
import { DataKeyRef } from '../constructs/data-key.ts';
import { GlobalTable } from '../constructs/global-table.ts';
import { SigningKeySecret } from '../constructs/signing-key-secret.ts';

export interface DataStackProps extends StackProps {
  readonly config: StageConfig;
}

export class DataStack extends Stack {
  /** The primary region's data key (the multi-region primary), by alias. */
  public readonly dataKey: DataKeyRef;
  public readonly mainTable: GlobalTable;
  public readonly signingKeySecret: SigningKeySecret;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config } = props;
    if (this.region !== config.primaryRegion) {
      throw new Error(`DataStack belongs in the primary region ${config.primaryRegion}, not ${this.region}`);
    }
    const names = stageNames(config);
    this.dataKey = DataKeyRef.inRegionOf(this, config);
    this.mainTable = new GlobalTable(this, 'MainTable', {
      definition: mainTable,
      tableName: names.tableName,
      // By alias ARN, in every region: DynamoDB resolves it to the key when it creates a replica.
      encryptionKey: Alias.fromAliasName(this, 'DataKeyAlias', names.dataKeyAlias),
      replicaKeyArns: Object.fromEntries(
        config.secondaryRegions.map((region) => [region, stageArns(config, region).dataKeyAlias]),
      ),
      protectData: config.protectData,
    });
    this.signingKeySecret = new SigningKeySecret(this, 'SigningKey', {
      config,
      encryptionKey: this.dataKey,
    });
  }
}
