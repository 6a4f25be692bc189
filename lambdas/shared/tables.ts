/**
 * DynamoDB table definitions: plain data, written once and read by both the CDK data stack
 * (to build the global table) and the local runner / integration tests (to create the same
 * table in DynamoDB Local). Single-table design: every key of tenant data starts with the
 * tenant, so isolation holds at the data layer, not only in handlers.
 */
export interface AttributeDefinition {
  readonly name: string;
  readonly type: 'S' | 'N' | 'B';
}

export interface GlobalSecondaryIndexDefinition {
  readonly indexName: string;
  readonly partitionKey: AttributeDefinition;
  readonly sortKey?: AttributeDefinition;
}

export interface TableDefinition {
  /** Logical id; the physical name is `phishx-<stage>-<id>` (see `physicalTableName`). */
  readonly id: string;
  readonly partitionKey: AttributeDefinition;
  readonly sortKey?: AttributeDefinition;
  /** Epoch-seconds attribute DynamoDB uses to expire items. */
  readonly timeToLiveAttribute?: string;
  readonly globalSecondaryIndexes: readonly GlobalSecondaryIndexDefinition[];
}

export const mainTable: TableDefinition = {
  id: 'main',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  timeToLiveAttribute: 'expiresAt',
  globalSecondaryIndexes: [],
};

export const tables: readonly TableDefinition[] = [mainTable];

/**
 * Point-in-time recovery keeps every table restorable to any second of the last 35 days (the
 * most DynamoDB allows). It is also the backup horizon of a GDPR erase: erased rows are gone
 * from the live table at once and from every backup after this many days.
 */
export const backupRetentionDays = 35;

/**
 * Rate-limit and brute-force records live under this partition-key prefix. Functions that only
 * read the table may still write these (and only these): the CDK grants PutItem on keys with
 * this prefix (`dynamodb:LeadingKeys`).
 */
export const rateLimitKeyPrefix = 'RATE#';

/** The access-token deny-list (one item per subject): all the authorizer may read. */
export const revocationKeyPrefix = 'REVOKED#';

/** Deterministic physical names let every region find its local replica without tokens. */
export const physicalTableName = (stage: string, table: TableDefinition): string =>
  `phishx-${stage}-${table.id}`;
