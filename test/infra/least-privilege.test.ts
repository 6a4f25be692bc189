/**
 * Least privilege, checked on the synthesized templates of every stage: no wildcard actions
 * anywhere, and each function may do exactly what its catalog `access` says.
 */
import { describe, expect, it } from 'vitest';
import { type FunctionAccess, functions } from '../../lambdas/shared/catalog.ts';
import { routes as routeTable } from '../../lambdas/shared/catalog.ts';
import { stageArns, stageNames } from '../../lib/config/names.ts';
import {
  asArray,
  type BuiltStage,
  buildStage,
  type PolicyStatementJson,
  referencedId,
  resourceOf,
  resourcesOf,
  statementsIn,
} from './support.ts';

const stagesUnderTest: [string, BuiltStage][] = [
  ['dev', buildStage('dev')],
  ['prod', buildStage('prod')],
];
const catalog = Object.values(functions);

/** The actions each kind of access needs, written out independently of the construct. */
const always = [
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'logs:CreateLogStream',
  'logs:PutLogEvents',
];
const tableRead = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
  'kms:Decrypt',
  'kms:DescribeKey',
];
const tableWrite = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'kms:Encrypt',
  'kms:GenerateDataKey',
];
const queueSend = ['sqs:SendMessage', 'kms:GenerateDataKey', 'kms:Decrypt'];
const queueConsume = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueAttributes',
  'sqs:GetQueueUrl',
  'kms:Decrypt',
];
const signingKeyRead = ['secretsmanager:GetSecretValue', 'kms:Decrypt'];
/** Rate-limit records only (RATE#*), through DynamoDB's use of the table key. */
const rateLimitWrite = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:Encrypt',
  'kms:GenerateDataKey',
];
/** Raw SES mail (via S3), plus the send to SES inbound's on-failure dead-letter queue. */
const mailBucketRead = ['s3:GetObject', 'kms:Decrypt', 'sqs:SendMessage', 'kms:GenerateDataKey'];

const expectedActions = (access: FunctionAccess): string[] =>
  [
    ...new Set([
      ...always,
      ...(access.table ? tableRead : []),
      ...(access.table === 'readwrite' ? tableWrite : []),
      ...(access.queue === 'send' ? queueSend : []),
      ...(access.queue === 'consume' ? queueConsume : []),
      ...(access.dataKeys?.includes('encrypt') ? ['kms:GenerateDataKey'] : []),
      ...(access.dataKeys?.includes('decrypt') ? ['kms:Decrypt'] : []),
      ...(access.signingKey ? signingKeyRead : []),
      ...(access.mailBucket === 'read' ? mailBucketRead : []),
      ...(access.rateLimits === 'write' ? rateLimitWrite : []),
      ...(access.revocations === 'read' ? ['dynamodb:GetItem', 'kms:Decrypt', 'kms:DescribeKey'] : []),
      ...(access.tableScan === 'read' ? ['dynamodb:Scan', 'kms:Decrypt', 'kms:DescribeKey'] : []),
    ]),
  ].sort();

const isWildcardAction = (action: string) => action.includes('*');
const allowStatements = (statements: PolicyStatementJson[]) =>
  statements.filter((statement) => statement.Effect === 'Allow');

describe.each(stagesUnderTest)('least privilege (%s)', (_stage, built) => {
  const names = stageNames(built.config);

  it('no identity policy anywhere allows a wildcard action or uses NotAction', () => {
    for (const [stackName, template] of built.templates) {
      const identityPolicies = [
        ...resourcesOf(template, 'AWS::IAM::Policy'),
        ...resourcesOf(template, 'AWS::IAM::ManagedPolicy'),
        ...resourcesOf(template, 'AWS::IAM::Role').map(
          ([id, role]) => [id, { ...role, Properties: { Policies: role.Properties?.Policies } }] as const,
        ),
      ];
      for (const [id, policy] of identityPolicies) {
        for (const statement of statementsIn(policy.Properties)) {
          expect(statement.NotAction, `${stackName}/${id}`).toBeUndefined();
          for (const action of asArray(statement.Action)) {
            expect(isWildcardAction(action), `${stackName}/${id} allows ${action}`).toBe(false);
          }
        }
      }
    }
  });

  it('no resource policy allows a wildcard action, except the key-policy delegation to the account', () => {
    for (const [stackName, template] of built.templates) {
      for (const [id, resource] of resourcesOf(template)) {
        if (resource.Type.startsWith('AWS::IAM::')) continue;
        for (const statement of allowStatements(statementsIn(resource.Properties))) {
          const wildcards = asArray(statement.Action).filter(isWildcardAction);
          if (wildcards.length === 0) continue;
          // The default KMS key policy (the replica keys of the multi-region data key get the same):
          // the account root may use IAM policies to grant key access. It grants nothing by itself;
          // every grant above is an IAM policy without wildcards.
          expect(['AWS::KMS::Key', 'AWS::KMS::ReplicaKey'], `${stackName}/${id}`).toContain(resource.Type);
          expect(wildcards).toEqual(['kms:*']);
          expect(JSON.stringify(statement.Principal), `${stackName}/${id}`).toMatch(
            new RegExp(`:iam::${built.config.account}:root`),
          );
          expect(statement.Condition).toBeUndefined();
        }
      }
    }
  });

  for (const [region, stack] of built.regionalStacks) {
    describe(`functions in ${region}`, () => {
      const template = built.template(stack);
      const statementsOf = (functionName: string): PolicyStatementJson[] => {
        const [, fn] =
          resourcesOf(template, 'AWS::Lambda::Function').find(
            ([, resource]) => resource.Properties?.FunctionName === names.functionName(functionName),
          ) ?? [];
        const roleId = referencedId(fn?.Properties?.Role);
        expect(roleId).toBeDefined();
        const role = resourceOf(template, roleId ?? '');
        expect(role.Properties?.ManagedPolicyArns, `${functionName} has managed policies`).toBeUndefined();
        const policies = resourcesOf(template, 'AWS::IAM::Policy').filter(([, policy]) =>
          asArray(policy.Properties?.Roles).some((entry) => referencedId(entry) === roleId),
        );
        for (const [, policy] of policies) expect(asArray(policy.Properties?.Roles)).toHaveLength(1);
        return policies.flatMap(([, policy]) => statementsIn(policy.Properties));
      };
      const actionsOf = (functionName: string) =>
        [...new Set(statementsOf(functionName).flatMap((statement) => asArray(statement.Action)))].sort();

      it.each(catalog)('$name may do exactly what its catalog access implies', (definition) => {
        expect(actionsOf(definition.name)).toEqual(expectedActions(definition.access));
      });

      it('get-email cannot write emails or generate data keys (only rate-limit records, via DynamoDB)', () => {
        const statements = statementsOf('get-email');
        const actions = statements.flatMap((statement) => asArray(statement.Action));
        expect(actions).not.toContain('dynamodb:UpdateItem');
        for (const statement of statements) {
          const stmtActions = asArray(statement.Action);
          if (stmtActions.includes('dynamodb:PutItem')) {
            expect(statement.Condition).toEqual({
              'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RATE#*'] },
            });
          }
          if (stmtActions.includes('kms:GenerateDataKey')) {
            expect(JSON.stringify(statement.Condition)).toContain(`dynamodb.${region}.amazonaws.com`);
          }
        }
      });

      it('the authorizer only reads the table (the deny-list), and cannot touch the queue or data keys', () => {
        const statements = statementsOf('authorizer');
        const actions = statements.flatMap((statement) => asArray(statement.Action));
        expect(actions.filter((action) => /^sqs:/.test(action))).toEqual([]);
        expect(
          actions.filter((action) => /^dynamodb:(Put|Update|Delete|BatchWrite|Scan)/.test(action)),
        ).toEqual([]);
        const tableStatements = statements.filter((statement) =>
          asArray(statement.Action).some((action) => action.startsWith('dynamodb:')),
        );
        // GetItem on deny-list items only: the authorizer cannot read emails, users or sessions.
        expect(tableStatements).toHaveLength(1);
        expect(tableStatements[0]).toMatchObject({
          Action: 'dynamodb:GetItem',
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['REVOKED#*'] } },
        });
        expect(actions).not.toContain('kms:GenerateDataKey');
      });

      it.each(catalog.filter((definition) => definition.access.signingKey !== undefined))(
        '$name reads only the signing-key secret its use needs: private keys to sign, public ones to verify',
        (definition) => {
          const secrets = statementsOf(definition.name)
            .filter((statement) => asArray(statement.Action).includes('secretsmanager:GetSecretValue'))
            .flatMap((statement) => asArray(statement.Resource));
          const arns = stageArns(built.config, region);
          expect(secrets).toEqual([
            definition.access.signingKey === 'sign' ? arns.signingSecret : arns.verificationKeysSecret,
          ]);
        },
      );

      it('only the token issuers may read the private signing keys', () => {
        expect(
          catalog.filter((definition) => definition.access.signingKey === 'sign').map((d) => d.name),
        ).toEqual(['auth-token', 'auth-refresh']);
      });

      it.each(
        catalog.filter((definition) => definition.trigger === 'http' && definition.access.table === 'read'),
      )('$name only reads the table, except rate-limit records (RATE#*) on its jwt routes', (definition) => {
        const writes = statementsOf(definition.name).filter((statement) =>
          asArray(statement.Action).some((action) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(action)),
        );
        const jwtRoutes = routeTable.filter(
          (route) => route.function === definition.name && route.auth === 'jwt',
        );
        if (jwtRoutes.length === 0) {
          expect(writes).toEqual([]);
          return;
        }
        expect(definition.access.rateLimits).toBe('write');
        expect(writes).toHaveLength(1);
        expect(asArray(writes[0]?.Action)).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
        expect(writes[0]?.Condition).toEqual({
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RATE#*'] },
        });
      });

      it('no function scans the table (keys start with the tenant; a scan crosses tenants) unless its access says so', () => {
        // The rotation job, which must visit every item, is the one exception.
        expect(catalog.filter((entry) => entry.access.tableScan).map((entry) => entry.name)).toEqual([
          'rewrap-items',
        ]);
        for (const definition of catalog.filter((entry) => entry.access.tableScan === undefined)) {
          expect(actionsOf(definition.name)).not.toContain('dynamodb:Scan');
        }
      });

      it.each(catalog)(
        '$name uses the data key only via DynamoDB/Secrets Manager or with a {tenant, purpose} context',
        (definition) => {
          const dataKeyStatements = statementsOf(definition.name).filter((statement) =>
            JSON.stringify(statement.Condition ?? {}).includes('kms:ResourceAliases'),
          );
          for (const statement of dataKeyStatements) {
            expect(statement.Condition?.['ForAnyValue:StringEquals']).toEqual({
              'kms:ResourceAliases': names.dataKeyAlias,
            });
            const viaService = statement.Condition?.StringEquals?.['kms:ViaService'];
            if (viaService !== undefined) {
              expect(viaService).toMatch(
                new RegExp(`^(dynamodb|secretsmanager)\\.${region}\\.amazonaws\\.com$`),
              );
            } else {
              expect(statement.Condition?.['ForAllValues:StringEquals']).toEqual({
                'kms:EncryptionContextKeys': ['tenant', 'purpose'],
              });
              expect(statement.Condition?.Null).toEqual({
                'kms:EncryptionContext:tenant': 'false',
                'kms:EncryptionContext:purpose': 'false',
              });
            }
          }
        },
      );

      it('table grants name the local replica only', () => {
        for (const definition of catalog.filter((entry) => entry.access.table)) {
          const tableStatements = statementsOf(definition.name).filter((statement) =>
            asArray(statement.Action).some((action) => action.startsWith('dynamodb:')),
          );
          expect(tableStatements.length).toBeGreaterThanOrEqual(1);
          for (const statement of tableStatements) {
            expect(JSON.stringify(statement.Resource)).toContain(
              `:dynamodb:${region}:${built.config.account}:table/${names.tableName}"`,
            );
          }
        }
      });
    });
  }
});
