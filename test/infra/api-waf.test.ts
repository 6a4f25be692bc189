/** WAF on the REST API stage, stage throttling and CORS from the allow-list. */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { sizeRestrictionsBodyLabel } from '../../lib/constructs/api-waf.ts';
import type { StageConfig } from '../../lib/config/stage-config.ts';
import { stages } from '../../lib/config/stages.ts';
import { buildStage, referencedId, resourcesOf } from './support.ts';

const cases = ['dev', 'prod'].flatMap((stage) => {
  const built = buildStage(stage);
  return [...built.regionalStacks.values()].map(
    (stack) => [stack.stackName, { built, template: built.template(stack) }] as const,
  );
});

type Rule = {
  Name: string;
  Priority: number;
  Statement: Record<string, unknown>;
  Action?: unknown;
  OverrideAction?: unknown;
};

describe.each(cases)('%s', (_name, { built, template }) => {
  const [[aclId, acl] = []] = resourcesOf(template, 'AWS::WAFv2::WebACL');
  const rules = (acl?.Properties?.Rules ?? []) as Rule[];
  const byName = (name: string) => rules.find((rule) => rule.Name === name);

  it('has one regional web ACL that allows by default, associated with the API stage', () => {
    expect(acl?.Properties).toMatchObject({ Scope: 'REGIONAL', DefaultAction: { Allow: {} } });
    const associations = resourcesOf(template, 'AWS::WAFv2::WebACLAssociation');
    expect(associations).toHaveLength(1);
    const association = associations[0]?.[1].Properties as Record<string, unknown>;
    expect(referencedId(association.WebACLArn)).toBe(aclId);
    expect(JSON.stringify(association.ResourceArn)).toContain('/stages/');
    const [[stageId] = []] = resourcesOf(template, 'AWS::ApiGateway::Stage');
    expect(JSON.stringify(association.ResourceArn)).toContain(stageId as string);
  });

  it('runs the AWS managed common, known-bad-inputs and IP reputation rule groups', () => {
    for (const group of [
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'AWSManagedRulesAmazonIpReputationList',
    ]) {
      expect(byName(`AWS-${group}`)?.Statement).toMatchObject({
        ManagedRuleGroupStatement: { VendorName: 'AWS', Name: group },
      });
    }
  });

  it('relaxes the 8 KB body rule on POST /v1/emails only, and blocks oversized bodies everywhere else', () => {
    const common = byName('AWS-AWSManagedRulesCommonRuleSet');
    expect(common?.Statement).toMatchObject({
      ManagedRuleGroupStatement: {
        RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }],
      },
    });
    const body = byName('BodySizeExceptEmailIngest');
    expect(body?.Action).toEqual({
      Block: { CustomResponse: { ResponseCode: 413, CustomResponseBodyKey: 'payload_too_large' } },
    });
    expect(body?.Priority).toBeGreaterThan(common?.Priority as number);
    const text = JSON.stringify(body?.Statement);
    expect(text).toContain(sizeRestrictionsBodyLabel);
    expect(body?.Statement).toMatchObject({
      AndStatement: {
        Statements: [
          { LabelMatchStatement: { Scope: 'LABEL', Key: sizeRestrictionsBodyLabel } },
          { NotStatement: { Statement: { AndStatement: { Statements: expect.any(Array) } } } },
        ],
      },
    });
    expect(text).toContain('"SearchString":"/v1/emails"');
    expect(text).toContain('"SearchString":"POST"');
  });

  it("answers its own blocks with the application's JSON error body", () => {
    const bodies = acl?.Properties?.CustomResponseBodies as Record<
      string,
      { ContentType: string; Content: string }
    >;
    for (const key of ['rate_limited', 'payload_too_large']) {
      expect(bodies[key]?.ContentType).toBe('APPLICATION_JSON');
      expect(JSON.parse(bodies[key]?.Content ?? '')).toEqual({
        error: { code: key, message: expect.any(String) },
      });
    }
  });

  it('has rate-based rules per IP that answer 429 (the whole API, and tighter on /v1/auth/)', () => {
    for (const name of ['ApiRatePerIp', 'AuthRatePerIp']) {
      const rule = byName(name);
      expect(rule?.Action).toEqual({
        Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: 'rate_limited' } },
      });
      expect(rule?.Statement).toMatchObject({
        RateBasedStatement: { AggregateKeyType: 'IP', EvaluationWindowSec: 300 },
      });
    }
    const auth = byName('AuthRatePerIp')?.Statement as { RateBasedStatement: { Limit: number } };
    const api = byName('ApiRatePerIp')?.Statement as { RateBasedStatement: { Limit: number } };
    expect(auth.RateBasedStatement.Limit).toBeLessThan(api.RateBasedStatement.Limit);
    expect(JSON.stringify(auth)).toContain('/v1/auth/');
  });

  it('throttles the stage from the config', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          ThrottlingRateLimit: built.config.apiThrottle.rateLimit,
          ThrottlingBurstLimit: built.config.apiThrottle.burstLimit,
        }),
      ]),
    });
  });
});

describe('CORS', () => {
  it('with no allowed origins there are no preflight routes at all', () => {
    const built = buildStage('dev');
    const template = built.template([...built.regionalStacks.values()][0] as never);
    template.resourcePropertiesCountIs('AWS::ApiGateway::Method', { HttpMethod: 'OPTIONS' }, 0);
  });

  it('answers preflights only for the configured origins, never *', () => {
    const config: StageConfig = {
      ...(stages.dev as StageConfig),
      corsAllowOrigins: ['https://soc.phishx.example'],
    };
    const built = buildStage(config);
    const template = built.template([...built.regionalStacks.values()][0] as never);
    const text = JSON.stringify(template.toJSON());
    expect(text).toContain('https://soc.phishx.example');
    const options = resourcesOf(template, 'AWS::ApiGateway::Method').filter(
      ([, method]) => method.Properties?.HttpMethod === 'OPTIONS',
    );
    expect(options.length).toBeGreaterThan(0);
    for (const [, method] of options) {
      expect(JSON.stringify(method.Properties)).not.toContain("'*'");
    }
    expect(() => buildStage({ ...config, corsAllowOrigins: ['*'] })).toThrow(/CORS origin/);
  });
});
