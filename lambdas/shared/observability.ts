/**
 * The one Powertools module: every function logs, measures and traces through these.
 * The log formatter masks personal data in every line, whatever a caller passes in.
 */
import { LogFormatter, Logger, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { CryptoObserver } from '#core/crypto/branch-keyring.ts';
import { maskPersonalData } from '#core/privacy/mask.ts';

export const serviceName = 'phishx';
export const metricsNamespace = 'PhishX';

const maskValue = (value: unknown, depth = 0): unknown => {
  if (typeof value === 'string') return maskPersonalData(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => maskValue(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, maskValue(item, depth + 1)]));
};

/** Powertools' standard JSON keys, with every string value passed through the PII masker. */
export class MaskingLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const context = attributes.lambdaContext;
    const base: LogAttributes = {
      level: attributes.logLevel,
      message: attributes.message,
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      cold_start: context?.coldStart,
      function_name: context?.functionName,
      function_request_id: context?.awsRequestId,
      xray_trace_id: attributes.xRayTraceId,
    };
    // Errors arrive as Error instances, whose fields are not enumerable: format them first.
    const extra = Object.fromEntries(
      Object.entries(additional).map(([key, value]) => [
        key,
        value instanceof Error ? this.formatError(value) : value,
      ]),
    );
    return new LogItem({ attributes: maskValue({ ...base, ...extra }) as LogAttributes });
  }

  override formatError(error: Error): LogAttributes {
    return maskValue(super.formatError(error)) as LogAttributes;
  }
}

export const logger = new Logger({ serviceName, logFormatter: new MaskingLogFormatter() });

export const metrics = new Metrics({ namespace: metricsNamespace, serviceName });

export const tracer = new Tracer({ serviceName });

/**
 * The crypto's counters (EncryptionOps, KmsCalls, DecryptFailures), summed over an invocation
 * and added to its metrics once, just before they are published (see middleware.ts): one
 * value per metric, however many fields a batch seals.
 */
const cryptoCounts = { EncryptionOps: 0, KmsCalls: 0, DecryptFailures: 0 };

export const cryptoMetrics: CryptoObserver = {
  fieldOperations: (count) => void (cryptoCounts.EncryptionOps += count),
  kmsCall: () => void (cryptoCounts.KmsCalls += 1),
  decryptFailure: () => void (cryptoCounts.DecryptFailures += 1),
};

export const addCryptoMetrics = (): void => {
  for (const [name, value] of Object.entries(cryptoCounts) as [keyof typeof cryptoCounts, number][]) {
    if (value > 0) metrics.addMetric(name, 'Count', value);
    cryptoCounts[name] = 0;
  }
};
