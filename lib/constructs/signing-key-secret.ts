/**
 * The token signing-key secret, `phishx/<stage>/jwt-signing-key`, its public twin
 * `phishx/<stage>/jwt-verification-keys` (the same keys without their private halves: all the
 * authorizer and the JWKS endpoint may read, so a function that only checks tokens can never
 * mint one), and the custom resource that gives them their first Ed25519 key
 * (lambdas/ops/signing-key-initializer.ts). The rotation function keeps the twin in step.
 *
 * One secret for the stage, created in the primary region and replicated by Secrets Manager to
 * every secondary region under the same name: a token issued in one region verifies in all of
 * them, which Route 53 failover needs. Each replica is encrypted with its region's data key.
 *
 * An L1 `CfnSecret` on purpose: the L2 `Secret` would store a random password as the first
 * version (the initializer must find the secret empty) and would add a key-policy statement
 * with wildcard KMS actions for Secrets Manager; callers here get exact IAM grants instead.
 */
import { CustomResource, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnRotationSchedule, CfnSecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { stageArns, stageNames } from '../config/names.ts';
import type { StageConfig } from '../config/stage-config.ts';
import { envNames } from '../../lambdas/shared/env.ts';
import { AppFunction } from './app-function.ts';
import type { DataKeyRef } from './data-key.ts';

export interface SigningKeySecretProps {
  readonly config: StageConfig;
  /** The primary region's data key, by alias (it lives in the primary DataKeyStack). */
  readonly encryptionKey: DataKeyRef;
}

/**
 * How often the signing key rotates. Each rotation adds a key (new `kid`) and keeps the previous
 * one for verification; readers start signing with the new key 6 minutes later (their key cache
 * is 5), so no token is ever signed with a key a verifier does not know.
 */
export const signingKeyRotationSchedule = 'rate(30 days)';

export class SigningKeySecret extends Construct {
  public readonly secret: CfnSecret;
  public readonly secretName: string;
  public readonly verificationKeysSecret: CfnSecret;
  public readonly initializer: AppFunction;
  public readonly initialization: CustomResource;
  public readonly rotationFunction: AppFunction;
  public readonly rotationSchedule: CfnRotationSchedule;

  constructor(scope: Construct, id: string, props: SigningKeySecretProps) {
    super(scope, id);
    const { config, encryptionKey } = props;
    const names = stageNames(config);
    const region = Stack.of(this).region;
    const removalPolicy = config.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.secretName = names.signingSecretName;

    // Both secrets: empty, encrypted with the data key, replicated to every secondary region.
    const secret = (id: string, name: string, description: string): CfnSecret => {
      const created = new CfnSecret(this, id, {
        name,
        description,
        kmsKeyId: encryptionKey.keyId,
        ...(config.secondaryRegions.length > 0
          ? {
              replicaRegions: config.secondaryRegions.map((replicaRegion) => ({
                region: replicaRegion,
                kmsKeyId: stageArns(config, replicaRegion).dataKeyAlias,
              })),
            }
          : {}),
      });
      created.applyRemovalPolicy(removalPolicy);
      return created;
    };
    this.secret = secret(
      'Secret',
      names.signingSecretName,
      `PhishX ${config.stage} access-token signing keys (JSON key set, first key current)`,
    );
    this.verificationKeysSecret = secret(
      'VerificationKeys',
      names.verificationKeysSecretName,
      `PhishX ${config.stage} access-token verification keys (public halves of the signing keys)`,
    );
    Validations.of(this.verificationKeysSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Holds only public keys, derived from the signing-key secret: its rotation function rewrites this ' +
        'secret at every rotation (setSecret step), so it rotates with it.',
    });

    this.initializer = new AppFunction(this, 'Initializer', {
      config,
      definition: {
        name: 'signing-key-initializer',
        entry: 'lambdas/ops/signing-key-initializer.ts',
        description: 'Custom resource: stores the first signing key in an empty secret',
        memoryMb: 256,
        timeoutSeconds: 30,
      },
    });
    this.initializer.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
        resources: [this.secret.ref, this.verificationKeysSecret.ref],
      }),
    );
    // Secrets Manager encrypts and decrypts with the caller's rights, and only for this purpose.
    const viaSecretsManager = {
      StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` },
    };
    const keyAcknowledgement = encryptionKey.wildcardAcknowledgement;
    encryptionKey.grant(this.initializer, ['kms:GenerateDataKey', 'kms:Decrypt'], viaSecretsManager);
    if (keyAcknowledgement) this.initializer.acknowledge(keyAcknowledgement.id, keyAcknowledgement.reason);

    const frameworkLogGroup = new LogGroup(this, 'ProviderLogGroup', {
      retention: config.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const frameworkRole = new Role(this, 'ProviderRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Provider framework for the signing-key initializer',
    });
    frameworkLogGroup.grantWrite(frameworkRole);
    const provider = new Provider(this, 'Provider', {
      onEventHandler: this.initializer,
      logGroup: frameworkLogGroup,
      frameworkOnEventRole: frameworkRole,
    });

    const initializerId = Stack.of(this).getLogicalId(this.initializer.node.defaultChild as CfnFunction);
    Validations.of(frameworkRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${initializerId}.Arn>:*]`,
      reason:
        'The Provider framework may invoke any version of the initializer function, and only that function.',
    });

    this.initialization = new CustomResource(this, 'Initialization', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::SigningKeyInitializer',
      // The name, not the ARN: the handler's PhysicalResourceId stays stable across replacements.
      properties: { SecretId: this.secretName, VerificationKeysSecretId: names.verificationKeysSecretName },
    });
    this.initialization.node.addDependency(this.secret, this.verificationKeysSecret);

    // Scheduled rotation (lambdas/ops/signing-key-rotation.ts). Replicas follow the primary.
    this.rotationFunction = new AppFunction(this, 'Rotation', {
      config,
      definition: {
        name: 'signing-key-rotation',
        entry: 'lambdas/ops/signing-key-rotation.ts',
        description: 'Secrets Manager rotation: adds a new signing key, keeps the previous for verification',
        memoryMb: 256,
        timeoutSeconds: 30,
      },
    });
    this.rotationFunction.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
        ],
        resources: [this.secret.ref],
      }),
    );
    // setSecret publishes the pending key set's public halves to the twin.
    this.rotationFunction.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:PutSecretValue'],
        resources: [this.verificationKeysSecret.ref],
      }),
    );
    this.rotationFunction.addEnvironment(envNames.verificationKeysSecretId, names.verificationKeysSecretName);
    encryptionKey.grant(this.rotationFunction, ['kms:GenerateDataKey', 'kms:Decrypt'], viaSecretsManager);
    if (keyAcknowledgement) {
      this.rotationFunction.acknowledge(keyAcknowledgement.id, keyAcknowledgement.reason);
    }
    // Only Secrets Manager, only for this account, may invoke it.
    this.rotationFunction.addPermission('SecretsManagerInvoke', {
      principal: new ServicePrincipal('secretsmanager.amazonaws.com'),
      action: 'lambda:InvokeFunction',
      sourceAccount: Stack.of(this).account,
    });
    this.rotationSchedule = new CfnRotationSchedule(this, 'RotationSchedule', {
      secretId: this.secret.ref,
      rotationLambdaArn: this.rotationFunction.functionArn,
      rotationRules: { scheduleExpression: signingKeyRotationSchedule },
      // The first key comes from the initializer; rotation starts on the schedule, not at deploy.
      rotateImmediatelyOnUpdate: false,
    });
    this.rotationSchedule.node.addDependency(this.initialization);
  }
}
