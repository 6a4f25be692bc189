import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DomainRepository } from '#core/ports.ts';
import { isConditionalCheckFailure } from './document-client.ts';
import { domainKey } from './keys.ts';

/** `DOMAIN#<domain>` items: which tenant receives SES inbound mail for the domain. */
export class DynamoDbDomainRepository implements DomainRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async tenantFor(domain: string): Promise<string | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: domainKey(domain), ConsistentRead: true }),
    );
    return typeof Item?.tenant === 'string' ? Item.tenant : null;
  }

  async map(domain: string, tenant: string, at: string): Promise<'mapped' | { readonly takenBy: string }> {
    try {
      // New, or already this tenant's: one conditional write, no read-then-write race.
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...domainKey(domain), domain, tenant, mappedAt: at },
          ConditionExpression: 'attribute_not_exists(pk) OR tenant = :tenant',
          ExpressionAttributeValues: { ':tenant': tenant },
        }),
      );
      return 'mapped';
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
      return { takenBy: (await this.tenantFor(domain)) ?? 'unknown' };
    }
  }
}
