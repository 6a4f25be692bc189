/**
 * Deterministic physical names and ARNs. Every region finds the table replica, data key and
 * signing-key secret replica by these, never by a cross-region token reference, so stacks in
 * different regions stay independently deployable.
 */

import { mainTable, physicalTableName } from '../../lambdas/shared/tables.ts';
import type { StageConfig } from './stage-config.ts';

export interface StageNames {
  readonly tableName: string;
  /**
   * Same alias in every region: the multi-region data key's primary in the primary region, its
   * replica elsewhere (see DataKeyStack).
   */
  readonly dataKeyAlias: string;
  readonly signingSecretName: string;
  /** The public halves of the signing keys only: what verifiers (authorizer, JWKS) read. */
  readonly verificationKeysSecretName: string;
  readonly analysisQueueName: string;
  readonly analysisDeadLetterQueueName: string;
  readonly apiName: string;
  readonly alarmTopicName: string;
  readonly dataStackName: string;
  functionName(name: string): string;
  regionalStackName(region: string): string;
  dataKeyStackName(region: string): string;
  dashboardName(region: string): string;
}

export const stageNames = (config: Pick<StageConfig, 'stage'>): StageNames => {
  const prefix = `phishx-${config.stage}`;
  return {
    tableName: physicalTableName(config.stage, mainTable),
    dataKeyAlias: `alias/${prefix}-data`,
    signingSecretName: `phishx/${config.stage}/jwt-signing-key`,
    verificationKeysSecretName: `phishx/${config.stage}/jwt-verification-keys`,
    analysisQueueName: `${prefix}-analysis`,
    analysisDeadLetterQueueName: `${prefix}-analysis-dlq`,
    apiName: `${prefix}-api`,
    alarmTopicName: `${prefix}-alarms`,
    dataStackName: `${prefix}-data`,
    functionName: (name) => `${prefix}-${name}`,
    regionalStackName: (region) => `${prefix}-regional-${region}`,
    dataKeyStackName: (region) => `${prefix}-data-key-${region}`,
    dashboardName: (region) => `${prefix}-${region}`,
  };
};

/** ARNs built from names; `partition` is `aws` for every region this project uses. */
export const stageArns = (config: StageConfig, region: string) => {
  const names = stageNames(config);
  const prefix = (service: string) => `arn:aws:${service}:${region}:${config.account}`;
  return {
    dataKeyAlias: `${prefix('kms')}:${names.dataKeyAlias}`,
    /** Keys can only be named by id; `kms:ResourceAliases` narrows a grant on this to the data key. */
    anyKey: `${prefix('kms')}:key/*`,
    table: `${prefix('dynamodb')}:table/${names.tableName}`,
    tableIndex: (indexName: string) => `${prefix('dynamodb')}:table/${names.tableName}/index/${indexName}`,
    /** Secrets Manager appends 6 random characters to every secret ARN. */
    signingSecret: `${prefix('secretsmanager')}:secret:${names.signingSecretName}-??????`,
    verificationKeysSecret: `${prefix('secretsmanager')}:secret:${names.verificationKeysSecretName}-??????`,
  };
};
