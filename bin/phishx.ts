/**
 * The CDK app. Pick the stage with `-c stage=<name>` (cdk.json defaults to dev):
 *   npm run synth                 # dev
 *   npx cdk synth -c stage=prod
 */
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app.ts';

const app = new App();
const stage: unknown = app.node.tryGetContext('stage') ?? 'dev';
if (typeof stage !== 'string') throw new Error('Context "stage" must be a stage name, e.g. -c stage=dev');
buildApp(app, stage);
app.synth();
