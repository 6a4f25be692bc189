/**
 * AWS WAF in front of the REST API stage (WAF attaches to REST APIs, not HTTP APIs).
 *
 * Rules, in order:
 *  0. Amazon IP reputation list (known bad sources).
 *  1. AWS managed common rule set, with its body-size rule (8 KB) switched to count: raw emails
 *     are megabytes, so that rule would block every real `POST /v1/emails`.
 *  2. The body-size rule again, ours: block an oversized body everywhere except `POST .../v1/emails`
 *     (matched on the label the managed rule still adds when it counts).
 *  3. AWS managed known-bad-inputs (Log4Shell, Java deserialisation, ...).
 *  4. A rate-based rule per IP on the auth endpoints: floods never reach the functions. Coarse by
 *     design (WAF rates are approximate and at least 10 per window); the exact limits (5/min per
 *     IP and username, 20/min per IP) are the application's, on DynamoDB.
 *  5. A rate-based rule per IP for the whole API (floods).
 * Rate-limited requests get 429 and an oversized body 413, each with the application's JSON error
 * body.
 */

import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

export interface ApiWafProps {
  readonly name: string;
  readonly stage: Stage;
  /** Requests per IP per 5 minutes on the whole API. */
  readonly ipRateLimitPer5Minutes?: number;
  /** Requests per IP per 5 minutes on `/v1/auth/*`. */
  readonly authRateLimitPer5Minutes?: number;
  /** The path (after the stage) whose bodies may exceed the managed 8 KB limit. */
  readonly largeBodyPath?: string;
}

export const sizeRestrictionsBodyLabel = 'awswaf:managed:aws:core-rule-set:SizeRestrictions_Body';

const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
  cloudWatchMetricsEnabled: true,
  metricName,
  sampledRequestsEnabled: true,
});

const managed = (priority: number, name: string, overrides?: CfnWebACL.RuleActionOverrideProperty[]) => ({
  name: `AWS-${name}`,
  priority,
  overrideAction: { none: {} },
  statement: {
    managedRuleGroupStatement: {
      vendorName: 'AWS',
      name,
      ...(overrides && { ruleActionOverrides: overrides }),
    },
  },
  visibilityConfig: visibility(name),
});

/**
 * WAF's own answers carry the same `{"error":{code,message}}` body as the application's, so a
 * client handles a WAF block like any other 4xx. (Managed rule groups answer a bare 403.)
 */
const errorBody = (code: string, message: string) => ({
  contentType: 'APPLICATION_JSON',
  content: JSON.stringify({ error: { code, message } }),
});
const customResponseBodies = {
  rate_limited: errorBody('rate_limited', 'Too many requests from this address; retry in a few minutes'),
  payload_too_large: errorBody('payload_too_large', 'The request body is too large for this operation'),
};
const tooManyRequests = {
  block: { customResponse: { responseCode: 429, customResponseBodyKey: 'rate_limited' } },
};

export class ApiWaf extends Construct {
  public readonly webAcl: CfnWebACL;
  public readonly association: CfnWebACLAssociation;

  constructor(scope: Construct, id: string, props: ApiWafProps) {
    super(scope, id);
    const largeBodyPath = props.largeBodyPath ?? '/v1/emails';
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name: props.name,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(props.name),
      customResponseBodies,
      rules: [
        managed(0, 'AWSManagedRulesAmazonIpReputationList'),
        managed(1, 'AWSManagedRulesCommonRuleSet', [
          { name: 'SizeRestrictions_BODY', actionToUse: { count: {} } },
        ]),
        {
          name: 'BodySizeExceptEmailIngest',
          priority: 2,
          action: {
            block: { customResponse: { responseCode: 413, customResponseBodyKey: 'payload_too_large' } },
          },
          statement: {
            andStatement: {
              statements: [
                { labelMatchStatement: { scope: 'LABEL', key: sizeRestrictionsBodyLabel } },
                {
                  notStatement: {
                    statement: {
                      andStatement: {
                        statements: [
                          {
                            // The stage name precedes the path on the execute-api host, not on a custom domain.
                            byteMatchStatement: {
                              fieldToMatch: { uriPath: {} },
                              positionalConstraint: 'ENDS_WITH',
                              searchString: largeBodyPath,
                              textTransformations: [{ priority: 0, type: 'NONE' }],
                            },
                          },
                          {
                            byteMatchStatement: {
                              fieldToMatch: { method: {} },
                              positionalConstraint: 'EXACTLY',
                              searchString: 'POST',
                              textTransformations: [{ priority: 0, type: 'NONE' }],
                            },
                          },
                        ],
                      },
                    },
                  },
                },
              ],
            },
          },
          visibilityConfig: visibility('BodySizeExceptEmailIngest'),
        },
        managed(3, 'AWSManagedRulesKnownBadInputsRuleSet'),
        {
          name: 'AuthRatePerIp',
          priority: 4,
          action: tooManyRequests,
          statement: {
            rateBasedStatement: {
              limit: props.authRateLimitPer5Minutes ?? 300,
              evaluationWindowSec: 300,
              aggregateKeyType: 'IP',
              scopeDownStatement: {
                byteMatchStatement: {
                  fieldToMatch: { uriPath: {} },
                  positionalConstraint: 'CONTAINS',
                  searchString: '/v1/auth/',
                  textTransformations: [{ priority: 0, type: 'LOWERCASE' }],
                },
              },
            },
          },
          visibilityConfig: visibility('AuthRatePerIp'),
        },
        {
          name: 'ApiRatePerIp',
          priority: 5,
          action: tooManyRequests,
          statement: {
            rateBasedStatement: {
              limit: props.ipRateLimitPer5Minutes ?? 3000,
              evaluationWindowSec: 300,
              aggregateKeyType: 'IP',
            },
          },
          visibilityConfig: visibility('ApiRatePerIp'),
        },
      ],
    });
    this.association = new CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
    // The stage must exist before WAF can attach to it.
    this.association.node.addDependency(props.stage);
  }
}
