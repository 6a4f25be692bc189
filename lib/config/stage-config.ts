/**
 * Stage configuration: everything that differs between stages, typed and validated once.
 * Stacks read only this; nothing in lib/ reads `process.env`.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { sesInboundProblems } from '../constructs/ses-inbound.ts';

export interface JwtSettings {
  /** `iss` of the access tokens this stage issues and accepts. */
  readonly issuer: string;
  /** `aud` of the access tokens this stage issues and accepts. */
  readonly audience: string;
}

export interface ApiThrottle {
  /** Steady-state requests per second for the whole stage. */
  readonly rateLimit: number;
  /** Burst bucket size; at least `rateLimit`. */
  readonly burstLimit: number;
}

/** SES inbound: mail to these domains is received by SES and analysed (see constructs/ses-inbound.ts). */
export interface SesInboundConfig {
  /** Lower-case recipient domains; their MX records point at `inbound-smtp.<region>.amazonaws.com`. */
  readonly recipientDomains: readonly string[];
  /**
   * Regions that receive (a rule set each; the first is the MX record's lowest preference value,
   * the others fail-over MX targets). Each must be a stage region that offers SES receiving.
   */
  readonly regions: readonly string[];
}

export interface StageConfig {
  /** Lower-case name used in every physical name: `phishx-<stage>-...`. */
  readonly stage: string;
  /** 12-digit AWS account id. */
  readonly account: string;
  /** Owns the stateful data stack (global table, signing key secret); also runs a regional stack. */
  readonly primaryRegion: string;
  /** Each gets a table replica, a data key, a secret replica and a regional stack. */
  readonly secondaryRegions: readonly string[];
  readonly logRetention: RetentionDays;
  /** Alarm notifications go here when set (an SNS email subscription, confirmed by the owner). */
  readonly alarmEmail?: string;
  /**
   * Deletion protection on the table, RETAIN on keys, table and secret. Must be true outside
   * `dev`: losing the data key makes every stored email unreadable.
   */
  readonly protectData: boolean;
  readonly jwt: JwtSettings;
  /** Browser origins allowed to call the API. Empty: no CORS preflight routes at all. */
  readonly corsAllowOrigins: readonly string[];
  readonly apiThrottle: ApiThrottle;
  /** Omit for no SES inbound (mail then arrives through the API only). */
  readonly sesInbound?: SesInboundConfig;
}

/** Every region the stage runs in, primary first. */
export const stageRegions = (config: StageConfig): readonly string[] => [
  config.primaryRegion,
  ...config.secondaryRegions,
];

export class StageConfigError extends Error {
  override readonly name = 'StageConfigError';
}

const stagePattern = /^[a-z][a-z0-9]{1,9}$/;
const accountPattern = /^\d{12}$/;
// Commercial partition only: ARNs in names.ts are built with `arn:aws:`.
const regionPattern = /^[a-z]{2}-[a-z]+-\d{1,2}$/;
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const retentionValues = new Set<number>(
  Object.values(RetentionDays).filter((value): value is number => typeof value === 'number'),
);

const isHttpsUrl = (value: string): boolean => {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
};

/** An origin is scheme://host[:port] with nothing after it; only localhost may use http. */
const isOrigin = (value: string): boolean => {
  try {
    const url = new URL(value);
    const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
    const secure = url.protocol === 'https:' || (local && url.protocol === 'http:');
    return secure && url.origin === value;
  } catch {
    return false;
  }
};

/**
 * Checks a config and returns it unchanged; throws a `StageConfigError` listing every problem,
 * so one run shows everything to fix.
 */
export const validateStageConfig = (config: StageConfig): StageConfig => {
  const problems: string[] = [];
  const { stage } = config;
  if (!stagePattern.test(stage)) {
    problems.push(`stage "${stage}" must be 2-10 lower-case letters or digits, starting with a letter`);
  }
  if (!accountPattern.test(config.account)) {
    problems.push(`account "${config.account}" must be a 12-digit AWS account id`);
  }
  if (!regionPattern.test(config.primaryRegion)) {
    problems.push(`primaryRegion "${config.primaryRegion}" is not an AWS region name`);
  }
  const seen = new Set<string>();
  for (const region of config.secondaryRegions) {
    if (!regionPattern.test(region)) problems.push(`secondary region "${region}" is not an AWS region name`);
    if (region === config.primaryRegion) {
      problems.push(`region "${region}" is the primary region and cannot also be a secondary region`);
    } else if (seen.has(region)) {
      problems.push(`secondary region "${region}" is listed more than once`);
    }
    seen.add(region);
  }
  if (!retentionValues.has(config.logRetention)) {
    problems.push(`logRetention ${config.logRetention} is not a CloudWatch Logs retention period`);
  } else if (config.logRetention === RetentionDays.INFINITE) {
    problems.push('logRetention must be finite: logs may hold personal data');
  }
  if (config.alarmEmail !== undefined && !emailPattern.test(config.alarmEmail)) {
    problems.push(`alarmEmail "${config.alarmEmail}" is not an email address`);
  }
  if (stage !== 'dev' && !config.protectData) {
    problems.push(`protectData must be true for stage "${stage}" (only dev may delete its data)`);
  }
  if (!isHttpsUrl(config.jwt.issuer)) problems.push(`jwt.issuer "${config.jwt.issuer}" must be an https URL`);
  if (config.jwt.audience.trim() === '') problems.push('jwt.audience must not be empty');
  for (const origin of config.corsAllowOrigins) {
    if (!isOrigin(origin)) {
      problems.push(
        `CORS origin "${origin}" must be an exact origin (https://host[:port], http only for localhost), not a pattern`,
      );
    }
  }
  const { rateLimit, burstLimit } = config.apiThrottle;
  if (!Number.isInteger(rateLimit) || rateLimit < 1) {
    problems.push(`apiThrottle.rateLimit ${rateLimit} must be a positive integer`);
  }
  if (!Number.isInteger(burstLimit) || burstLimit < rateLimit) {
    problems.push(
      `apiThrottle.burstLimit ${burstLimit} must be an integer of at least rateLimit (${rateLimit})`,
    );
  }
  if (config.sesInbound) problems.push(...sesInboundProblems(config.sesInbound, stageRegions(config)));
  if (problems.length > 0) {
    throw new StageConfigError(`Invalid config for stage "${stage}":\n  - ${problems.join('\n  - ')}`);
  }
  return config;
};
