/**
 * Stateful, one per secondary region: the region's data key under the stage's fixed alias. The
 * primary data stack's table and secret replicas in this region are encrypted with it, so this
 * stack deploys first.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stage-config.ts';
import { DataKey } from '../constructs/data-key.ts';

export interface DataKeyStackProps extends StackProps {
  readonly config: StageConfig;
}

export class DataKeyStack extends Stack {
  public readonly dataKey: DataKey;

  constructor(scope: Construct, id: string, props: DataKeyStackProps) {
    super(scope, id, props);
    if (!props.config.secondaryRegions.includes(this.region)) {
      throw new Error(
        `DataKeyStack belongs in a secondary region of ${props.config.stage}, not ${this.region}`,
      );
    }
    this.dataKey = new DataKey(this, 'DataKey', { config: props.config });
  }
}
