/**
 * Shared helpers for the infra tests. Every App skips bundling and the built-in CloudFormation
 * validation (5x faster), and carries the same feature flags as cdk.json, so tests synthesize
 * what `cdk synth` does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type AppProps, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, type PhishxApp } from '../../lib/app.ts';
import { repositoryRoot } from '../../lib/constructs/app-function.ts';
import type { StageConfig } from '../../lib/config/stage-config.ts';

const cdkJson = JSON.parse(readFileSync(join(repositoryRoot, 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

/** The context cdk.json gives the CLI (feature flags), without the stage choice. */
export const featureFlags: Record<string, unknown> = Object.fromEntries(
  Object.entries(cdkJson.context).filter(([key]) => key.startsWith('@aws-cdk')),
);

export const testApp = (props: AppProps = {}): App =>
  new App({
    builtinCloudFormationValidation: false,
    ...props,
    context: { ...featureFlags, ...props.context, 'aws:cdk:bundling-stacks': [] },
  });

export interface BuiltStage extends PhishxApp {
  readonly app: App;
  template(stack: Stack): Template;
  /** Every stack's template, by stack name. */
  readonly templates: ReadonlyMap<string, Template>;
}

const cache = new Map<string, BuiltStage>();

/** Builds (once per test file) the app for a stage, exactly as bin/phishx.ts does. */
export const buildStage = (stage: string | StageConfig): BuiltStage => {
  const key = typeof stage === 'string' ? stage : JSON.stringify(stage);
  const cached = cache.get(key);
  if (cached) return cached;
  const app = testApp();
  const built = buildApp(app, stage);
  const stacks: Stack[] = [
    ...built.dataKeyStacks.values(),
    built.dataStack,
    ...built.regionalStacks.values(),
  ];
  const templates = new Map(stacks.map((stack) => [stack.stackName, Template.fromStack(stack)]));
  const result: BuiltStage = {
    ...built,
    app,
    templates,
    template: (stack) => {
      const template = templates.get(stack.stackName);
      if (!template) throw new Error(`No template for ${stack.stackName}`);
      return template;
    },
  };
  cache.set(key, result);
  return result;
};

export type Resource = { Type: string; Properties?: Record<string, unknown>; [key: string]: unknown };

export const resourcesOf = (template: Template, type?: string): [string, Resource][] =>
  Object.entries(template.toJSON().Resources as Record<string, Resource>).filter(
    ([, resource]) => type === undefined || resource.Type === type,
  );

export const resourceOf = (template: Template, logicalId: string): Resource => {
  const resource = (template.toJSON().Resources as Record<string, Resource>)[logicalId];
  if (!resource) throw new Error(`No resource ${logicalId}`);
  return resource;
};

/** Logical id referenced by `{ Ref: id }` or `{ 'Fn::GetAtt': [id, attr] }`. */
export const referencedId = (value: unknown): string | undefined => {
  if (value && typeof value === 'object') {
    const ref = (value as { Ref?: unknown }).Ref;
    if (typeof ref === 'string') return ref;
    const getAtt = (value as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  }
  return undefined;
};

export const asArray = <T>(value: T | readonly T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? [...value] : [value as T];

export interface PolicyStatementJson {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Sid?: string;
}

/** Every policy statement anywhere in a resource's properties (identity and resource policies). */
export const statementsIn = (value: unknown): PolicyStatementJson[] => {
  const found: PolicyStatementJson[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) {
      node.forEach(visit);
    } else if (node && typeof node === 'object') {
      const statement = (node as { Statement?: unknown }).Statement;
      if (
        Array.isArray(statement) &&
        statement.every((entry) => entry && typeof entry === 'object' && 'Effect' in entry)
      ) {
        found.push(...(statement as PolicyStatementJson[]));
      }
      Object.values(node).forEach(visit);
    }
  };
  visit(value);
  return found;
};
