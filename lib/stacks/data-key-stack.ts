/**
 * Stateful, one per region: the stage's multi-region data key under the fixed alias. In the
 * primary region it holds the multi-region primary key; in each secondary region, the replica
 * of that key. lib/app.ts orders the deploys: primary key stack, then the replica stacks (the
 * replica is made from the primary), then the DataStack, whose table and secret replicas are
 * encrypted with the keys.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stage-config.ts';
import { DataKey, DataKeyReplica } from '../constructs/data-key.ts';

export interface DataKeyStackProps extends StackProps {
  readonly config: StageConfig;
}

export class DataKeyStack extends Stack {
  /** True in the primary region: this stack holds the multi-region primary key. */
  public readonly isPrimary: boolean;
  /** The construct of this region: the primary key, or a replica of it. */
  public readonly dataKey: DataKey | DataKeyReplica;

  constructor(scope: Construct, id: string, props: DataKeyStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.isPrimary = this.region === config.primaryRegion;
    if (!this.isPrimary && !config.secondaryRegions.includes(this.region)) {
      throw new Error(`DataKeyStack belongs in a region of ${config.stage}, not ${this.region}`);
    }
    this.dataKey = this.isPrimary
      ? new DataKey(this, 'DataKey', { config })
      : new DataKeyReplica(this, 'DataKey', { config });
  }
}
