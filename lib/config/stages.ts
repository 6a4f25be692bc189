/**
 * The stages. Accounts are placeholders until the real ones exist; synth needs no credentials.
 * Pick one with `cdk synth -c stage=<name>` (cdk.json defaults to dev).
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type StageConfig, StageConfigError, validateStageConfig } from './stage-config.ts';

const placeholderAccount = '111111111111';

export const stages: Readonly<Record<string, StageConfig>> = {
  dev: {
    stage: 'dev',
    account: placeholderAccount,
    primaryRegion: 'eu-west-1',
    secondaryRegions: [],
    logRetention: RetentionDays.ONE_WEEK,
    protectData: false,
    jwt: { issuer: 'https://auth.dev.phishx.example', audience: 'phishx-api' },
    corsAllowOrigins: [],
    apiThrottle: { rateLimit: 20, burstLimit: 40 },
    sesInbound: { recipientDomains: ['inbound.dev.phishx.example'], regions: ['eu-west-1'] },
  },
  prod: {
    stage: 'prod',
    account: placeholderAccount,
    primaryRegion: 'eu-west-1',
    secondaryRegions: ['eu-central-1'],
    logRetention: RetentionDays.THREE_MONTHS,
    alarmEmail: 'secops@phishx.example',
    protectData: true,
    jwt: { issuer: 'https://auth.phishx.example', audience: 'phishx-api' },
    corsAllowOrigins: [],
    apiThrottle: { rateLimit: 200, burstLimit: 400 },
    // Both regions receive: MX 10 eu-west-1, MX 20 eu-central-1 (SES receives in both).
    sesInbound: { recipientDomains: ['inbound.phishx.example'], regions: ['eu-west-1', 'eu-central-1'] },
  },
};

/** The validated config of a named stage; throws for an unknown name or an invalid config. */
export const loadStageConfig = (name: string): StageConfig => {
  const config = Object.hasOwn(stages, name) ? stages[name] : undefined;
  if (config === undefined) {
    throw new StageConfigError(`Unknown stage "${name}". Known stages: ${Object.keys(stages).join(', ')}`);
  }
  if (config.stage !== name) {
    throw new StageConfigError(`Stage "${name}" is configured with the name "${config.stage}"`);
  }
  return validateStageConfig(config);
};
