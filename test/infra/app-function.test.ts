import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { describe, expect, it } from 'vitest';
import { functions } from '../../lambdas/shared/catalog.ts';
import { loadStageConfig } from '../../lib/config/stages.ts';
import { AnalysisQueue } from '../../lib/constructs/analysis-queue.ts';
import { AppFunction, appBundling } from '../../lib/constructs/app-function.ts';
import { featureFlags, testApp } from './support.ts';

const config = loadStageConfig('dev');
const env = { account: config.account, region: config.primaryRegion };
const initializer = {
  name: 'probe',
  entry: 'lambdas/ops/signing-key-initializer.ts',
  description: 'Bundling probe',
  memoryMb: 128,
  timeoutSeconds: 10,
};

describe('AppFunction bundling options', () => {
  it('bundles ESM for Node 22: minified, tree-shaken, source maps, SDK included, createRequire banner', () => {
    expect(appBundling).toMatchObject({
      format: OutputFormat.ESM,
      target: 'node22',
      minify: true,
      sourceMap: true,
      mainFields: ['module', 'main'],
      bundleAwsSDK: true,
      externalModules: [],
      esbuildArgs: { '--tree-shaking': 'true' },
    });
    expect(appBundling.banner).toBe(
      "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
    );
  });

  // The one test that really runs esbuild (about a second): the asset is what Lambda will run.
  it('produces a minified ESM bundle with the banner, a source map and the AWS SDK inside', () => {
    const app = new App({ builtinCloudFormationValidation: false, context: { ...featureFlags } });
    const stack = new Stack(app, 'BundlingProbe', { env });
    const fn = new AppFunction(stack, 'Probe', { config, definition: initializer });
    const assembly = app.synth();
    const template = Template.fromStack(stack);
    const code =
      template.toJSON().Resources[stack.getLogicalId(fn.node.defaultChild as never)].Properties.Code;
    const hash = String(code.S3Key).replace(/\.zip$/, '');
    const assetDir = join(assembly.directory, `asset.${hash}`);
    expect(readdirSync(assetDir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(bundle.startsWith(appBundling.banner)).toBe(true);
    expect(bundle.endsWith('//# sourceMappingURL=index.mjs.map\n')).toBe(true);
    // Minified: long lines (only newlines inside string literals survive).
    const lines = bundle.split('\n');
    expect(bundle.length / lines.length).toBeGreaterThan(1000);
    // ESM with everything bundled: no import of any package but Node built-ins.
    const imports = [...bundle.matchAll(/\bfrom\s*["']([^"']+)["']/g)].map((match) => match[1]);
    expect(imports.filter((specifier) => !specifier?.startsWith('node:') && specifier !== 'module')).toEqual(
      [],
    );
    const dynamicImports = [...bundle.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)].map(
      (match) => match[1],
    );
    expect(dynamicImports.filter((specifier) => !specifier?.startsWith('node:'))).toEqual([]);
    expect(bundle.includes('PutSecretValueCommand')).toBe(true);
    expect(existsSync(join(assetDir, 'index.js'))).toBe(false);
  });
});

describe('AppFunction construct', () => {
  const setup = () => {
    const stack = new Stack(testApp(), 'Probe', { env });
    const fn = new AppFunction(stack, 'Fn', { config, definition: initializer });
    return { stack, fn, template: () => Template.fromStack(stack) };
  };

  it('names the function after the stage, sets Powertools and source-map env', () => {
    const { template } = setup();
    template().hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'phishx-dev-probe',
      Runtime: 'nodejs22.x',
      Environment: {
        Variables: {
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'phishx',
          POWERTOOLS_METRICS_NAMESPACE: 'PhishX',
          PHISHX_STAGE: 'dev',
        },
      },
    });
  });

  it('uses its own role without managed policies, writing only to its own log group', () => {
    const { template } = setup();
    template().resourceCountIs('AWS::IAM::Role', 1);
    template().hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    template().resourceCountIs('AWS::Logs::LogGroup', 1);
  });

  it('refuses a catalog access whose resource is missing', () => {
    const { fn } = setup();
    expect(() => fn.bindAccess({ table: 'read' }, {})).toThrow('probe: its catalog access needs a table');
  });

  it('refuses to consume a queue whose visibility timeout is under 6x its timeout', () => {
    const { stack } = setup();
    const queue = new AnalysisQueue(stack, 'Queue', {
      queueName: 'q',
      deadLetterQueueName: 'dlq',
      encryptionKey: new Key(stack, 'Key', { enableKeyRotation: true }),
    });
    const slow = new AppFunction(stack, 'Slow', {
      config,
      definition: { ...initializer, name: 'slow', timeoutSeconds: queue.visibilityTimeout.toSeconds() },
    });
    expect(() => slow.bindQueueConsume(queue)).toThrow(/under 6 x the function timeout/);
    expect(queue.visibilityTimeout.toSeconds()).toBeGreaterThanOrEqual(
      Duration.seconds(functions.analysis.timeoutSeconds * 6).toSeconds(),
    );
  });
});
