/**
 * vitest globalSetup for the `integration` project: one DynamoDB Local (in memory, 127.0.0.1,
 * free port) for the whole run. Tests read its endpoint with `inject('ddbEndpoint')`.
 */
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../scripts/dynamodb-local.mjs';
import { freePort } from './free-port.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    ddbEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The free port can be taken between the probe and the JVM's bind: try a fresh one twice more.
  for (let attempt = 1; ; attempt++) {
    try {
      const { endpoint, stop } = await startDynamoDbLocal({ port: await freePort() });
      project.provide('ddbEndpoint', endpoint);
      return () => stop();
    } catch (error) {
      if (attempt >= 3 || !/exited during start-up/.test(String(error))) throw error;
    }
  }
}
