/** GET /health: each dependency's status, `200` when all are up, `503` when one is not. */

import * as aws from '#adapters/aws.ts';
import { tableProbe } from '#adapters/dynamodb/table-probe.ts';
import type { HealthProbe } from '#core/ports.ts';
import { httpHandler } from '#shared/http.ts';
import { logger } from '#shared/observability.ts';

const probeTimeoutMs = 2000;

const withTimeout = (promise: Promise<void>): Promise<void> =>
  Promise.race([
    promise,
    new Promise<void>((_, reject) =>
      setTimeout(() => reject(new Error('timed out')), probeTimeoutMs).unref(),
    ),
  ]);

export const createHealthHandler = (probes: readonly HealthProbe[]) =>
  httpHandler('health', async () => {
    const results = await Promise.all(
      probes.map(async (probe) => {
        try {
          await withTimeout(probe.check());
          return [probe.name, 'ok'] as const;
        } catch (error) {
          logger.warn('Dependency unavailable', { dependency: probe.name, error: (error as Error).name });
          return [probe.name, 'unavailable'] as const;
        }
      }),
    );
    const healthy = results.every(([, status]) => status === 'ok');
    return {
      statusCode: healthy ? 200 : 503,
      body: { status: healthy ? 'ok' : 'degraded', dependencies: Object.fromEntries(results) },
    };
  });

export const handler = createHealthHandler([tableProbe(aws.documentClient(), aws.tableName())]);
