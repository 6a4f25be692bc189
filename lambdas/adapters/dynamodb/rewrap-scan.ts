/**
 * The rotation job's view of the `main` table: a parallel Scan (one segment per call) that
 * keeps email items and branch-key items, and a conditional update that swaps an email's
 * envelope and touches nothing else.
 *
 * The only Scan in the product: keys start with the tenant, so a scan reads across tenants.
 * It reads only ciphertext (envelopes and sealed fields) and only for the rotation job.
 */
import { type DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ItemEnvelope } from '#core/crypto/item-envelope.ts';
import type {
  EmailRef,
  RewrapPage,
  RewrapSource,
  ScanCursor,
  ScanSegment,
  SealedEmailItem,
} from '#core/rotation/rewrap-items.ts';
import type { SealedFields } from '#core/ports.ts';
import { isConditionalCheckFailure } from './document-client.ts';
import { branchKeyPrefix, emailKey } from './keys.ts';

/**
 * Items evaluated per Scan call (before the filter: an email comes with a few beacon entries).
 * A page then holds up to ~100 emails, re-wrapped in well under a second, so checkpoints stay
 * close together and the stop margin is never at risk; Scan's 1 MB cap bounds pages of large
 * emails anyway.
 */
export const defaultRewrapPageSize = 500;

const emailSortKey = emailKey('', '').sk;
const emailPartition = /^TENANT#(.+)#EMAIL#(.+)$/;

const isBytes = (value: unknown): value is Uint8Array => value instanceof Uint8Array;

const envelopeOf = (value: unknown): ItemEnvelope | null => {
  if (!value || typeof value !== 'object') return null;
  const { format, branchVersion, wrappedKey, signature } = value as Record<string, unknown>;
  if (typeof format !== 'number' || !Number.isInteger(branchVersion) || (branchVersion as number) < 1) {
    return null;
  }
  if (!isBytes(wrappedKey) || !isBytes(signature)) return null;
  return { format, branchVersion: branchVersion as number, wrappedKey, signature };
};

const fieldsOf = (value: unknown): SealedFields | null => {
  if (!value || typeof value !== 'object') return null;
  const entries = Object.entries(value as Record<string, unknown>);
  return entries.every(([, field]) => isBytes(field)) ? (value as SealedFields) : null;
};

/** Tenant and id from the attributes, else from the partition key. */
const refOf = (item: Record<string, unknown>): EmailRef => {
  const [, tenant = 'unknown', id = 'unknown'] = emailPartition.exec(String(item.pk)) ?? [];
  return {
    tenant: typeof item.tenant === 'string' ? item.tenant : tenant,
    id: typeof item.id === 'string' ? item.id : id,
  };
};

export class DynamoDbRewrapSource implements RewrapSource {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly pageSize: number = defaultRewrapPageSize,
  ) {}

  async scanPage(segment: ScanSegment, cursor: ScanCursor | null): Promise<RewrapPage> {
    const { Items, LastEvaluatedKey } = await this.client.send(
      new ScanCommand({
        TableName: this.tableName,
        Segment: segment.index,
        TotalSegments: segment.total,
        Limit: this.pageSize,
        ...(cursor && { ExclusiveStartKey: { ...cursor } }),
        FilterExpression:
          '(#sk = :email AND begins_with(#pk, :tenantPrefix)) OR begins_with(#sk, :branchKeyPrefix)',
        ProjectionExpression: '#pk, #sk, #tenant, #id, #envelope, #fields',
        ExpressionAttributeNames: {
          '#pk': 'pk',
          '#sk': 'sk',
          '#tenant': 'tenant',
          '#id': 'id',
          '#envelope': 'envelope',
          '#fields': 'fields',
        },
        ExpressionAttributeValues: {
          ':email': emailSortKey,
          ':tenantPrefix': 'TENANT#',
          ':branchKeyPrefix': branchKeyPrefix,
        },
      }),
    );
    const emails: SealedEmailItem[] = [];
    const malformed: EmailRef[] = [];
    const tenants = new Set<string>();
    for (const item of Items ?? []) {
      if (String(item.sk).startsWith(branchKeyPrefix)) {
        if (typeof item.tenant === 'string') tenants.add(item.tenant);
        continue;
      }
      const ref = refOf(item);
      const envelope = envelopeOf(item.envelope);
      const fields = fieldsOf(item.fields);
      if (envelope && fields && typeof item.tenant === 'string' && typeof item.id === 'string') {
        emails.push({ ...ref, envelope, fields });
      } else {
        malformed.push(ref);
      }
    }
    return { emails, malformed, tenants: [...tenants], next: LastEvaluatedKey ?? null };
  }

  async replaceEnvelope(ref: EmailRef, expected: ItemEnvelope, next: ItemEnvelope): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: emailKey(ref.tenant, ref.id),
          UpdateExpression: 'SET #envelope = :next',
          ConditionExpression:
            '#envelope.#signature = :signature AND #envelope.#branchVersion = :branchVersion',
          ExpressionAttributeNames: {
            '#envelope': 'envelope',
            '#signature': 'signature',
            '#branchVersion': 'branchVersion',
          },
          ExpressionAttributeValues: {
            ':next': {
              format: next.format,
              branchVersion: next.branchVersion,
              wrappedKey: next.wrappedKey,
              signature: next.signature,
            },
            ':signature': expected.signature,
            ':branchVersion': expected.branchVersion,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw error;
    }
  }
}
