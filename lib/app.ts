/**
 * Builds the whole PhishX app for one stage, each stack with an explicit environment:
 * a DataKeyStack per region (the multi-region data key's primary in the primary region, its
 * replica in each secondary region), the DataStack in the primary region, and a RegionalStack
 * per region. Deploy order: primary key -> replica keys -> data -> regional. The dependencies
 * are ordering only: no stack references another's tokens.
 * bin/phishx.ts and the infra tests call this, so tests check exactly what deploys.
 */
import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stageNames } from './config/names.ts';
import { type StageConfig, stageRegions, validateStageConfig } from './config/stage-config.ts';
import { loadStageConfig } from './config/stages.ts';
import { DataKeyStack } from './stacks/data-key-stack.ts';
import { DataStack } from './stacks/data-stack.ts';
import { RegionalStack } from './stacks/regional-stack.ts';

export interface PhishxApp {
  readonly config: StageConfig;
  readonly dataStack: DataStack;
  /** By region, primary first: the multi-region primary key there, a replica in each secondary. */
  readonly dataKeyStacks: ReadonlyMap<string, DataKeyStack>;
  /** By region: primary first. */
  readonly regionalStacks: ReadonlyMap<string, RegionalStack>;
}

/** `stage` is a stage name from lib/config/stages.ts or a whole config (validated either way). */
export const buildApp = (app: App, stage: string | StageConfig): PhishxApp => {
  const config = typeof stage === 'string' ? loadStageConfig(stage) : validateStageConfig(stage);
  const names = stageNames(config);
  const env = (region: string) => ({ account: config.account, region });

  // cdk-nag 3 is a validation plugin (not an Aspect): synth fails on any unacknowledged error.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  Tags.of(app).add('project', 'phishx');
  Tags.of(app).add('stage', config.stage);

  const dataKeyStacks = new Map<string, DataKeyStack>();
  for (const region of stageRegions(config)) {
    const stackName = names.dataKeyStackName(region);
    const primary = region === config.primaryRegion;
    const keyStack = new DataKeyStack(app, stackName, {
      stackName,
      env: env(region),
      config,
      description: `PhishX ${config.stage}: multi-region data key, ${primary ? 'primary' : 'replica'} (${region})`,
      terminationProtection: config.protectData,
    });
    // A replica is made from the primary key, which its stack looks up by alias at deploy time.
    const primaryKeyStack = dataKeyStacks.get(config.primaryRegion);
    if (!primary && primaryKeyStack) keyStack.addStackDependency(primaryKeyStack);
    dataKeyStacks.set(region, keyStack);
  }

  const dataStack = new DataStack(app, names.dataStackName, {
    stackName: names.dataStackName,
    env: env(config.primaryRegion),
    config,
    description: `PhishX ${config.stage}: global table, signing-key secret`,
    terminationProtection: config.protectData,
  });
  // Deploy order only (no references): the table and the secret, and their replicas, need
  // their region's key first.
  for (const keyStack of dataKeyStacks.values()) dataStack.addStackDependency(keyStack);

  const regionalStacks = new Map<string, RegionalStack>();
  for (const region of stageRegions(config)) {
    const stackName = names.regionalStackName(region);
    const regional = new RegionalStack(app, stackName, {
      stackName,
      env: env(region),
      config,
      description: `PhishX ${config.stage}: API, functions, queues, alarms (${region})`,
    });
    regional.addStackDependency(dataStack);
    regionalStacks.set(region, regional);
  }
  return { config, dataStack, dataKeyStacks, regionalStacks };
};
