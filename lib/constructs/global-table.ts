/**
 * A DynamoDB global table built from a plain table definition (lambdas/shared/tables.ts):
 * on-demand, point-in-time recovery, TTL, encrypted with the data key of each region, deletion
 * protection outside dev, one replica per secondary region.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  type AttributeDefinition,
  backupRetentionDays,
  type TableDefinition,
} from '../../lambdas/shared/tables.ts';

export interface GlobalTableProps {
  readonly definition: TableDefinition;
  readonly tableName: string;
  /** Encrypts the table in the stack's region. */
  readonly encryptionKey: IKey;
  /**
   * The key ARN (or alias ARN) for each replica region. Key ids are random, so the data stack
   * passes the alias ARN built from config; DynamoDB resolves it when it creates the replica.
   */
  readonly replicaKeyArns: Readonly<Record<string, string>>;
  readonly protectData: boolean;
}

const attributeTypes: Readonly<Record<AttributeDefinition['type'], AttributeType>> = {
  S: AttributeType.STRING,
  N: AttributeType.NUMBER,
  B: AttributeType.BINARY,
};
const toAttribute = (attribute: AttributeDefinition) => ({
  name: attribute.name,
  type: attributeTypes[attribute.type],
});

export class GlobalTable extends Construct {
  public readonly table: TableV2;

  constructor(scope: Construct, id: string, props: GlobalTableProps) {
    super(scope, id);
    const { definition } = props;
    const stackRegion = Stack.of(this).region;
    const replicaRegions = Object.keys(props.replicaKeyArns);
    if (replicaRegions.includes(stackRegion)) {
      throw new Error(
        `GlobalTable ${props.tableName}: the stack's own region ${stackRegion} cannot be a replica`,
      );
    }
    this.table = new TableV2(this, 'Table', {
      tableName: props.tableName,
      partitionKey: toAttribute(definition.partitionKey),
      ...(definition.sortKey ? { sortKey: toAttribute(definition.sortKey) } : {}),
      ...(definition.timeToLiveAttribute ? { timeToLiveAttribute: definition.timeToLiveAttribute } : {}),
      globalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: toAttribute(index.partitionKey),
        ...(index.sortKey ? { sortKey: toAttribute(index.sortKey) } : {}),
      })),
      billing: Billing.onDemand(),
      // The backup horizon the GDPR erase answer states: erased rows leave backups after this.
      pointInTimeRecoverySpecification: {
        pointInTimeRecoveryEnabled: true,
        recoveryPeriodInDays: backupRetentionDays,
      },
      encryption: TableEncryptionV2.customerManagedKey(props.encryptionKey, { ...props.replicaKeyArns }),
      deletionProtection: props.protectData,
      removalPolicy: props.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      replicas: replicaRegions.map((region) => ({ region })),
    });
  }
}
