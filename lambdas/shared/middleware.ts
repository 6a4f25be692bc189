/**
 * The observability stack every function starts from, whatever its trigger: tracer, logger
 * (state cleared per invocation), metrics. Trigger-specific layers (the HTTP error mapper,
 * batch processing) go on top of it.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import { addCryptoMetrics, logger, metrics, tracer } from './observability.ts';

/**
 * Publishes the invocation's metrics, and the cold-start metric on a cold start. Unlike
 * Powertools' `logMetrics`, an invocation that recorded nothing (a read, a health check)
 * publishes nothing and logs no warning.
 */
const publishMetrics = (): MiddlewareObj => {
  const publish = async () => {
    addCryptoMetrics();
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return {
    before: async (request) => metrics.captureColdStartMetric(request.context.functionName),
    after: publish,
    onError: publish,
  };
};

export const observedHandler = <TEvent, TResult>() =>
  middy<TEvent, TResult>()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { clearState: true, resetKeys: true }))
    .use(publishMetrics());
