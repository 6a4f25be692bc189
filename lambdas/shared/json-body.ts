import type { APIGatewayProxyEvent } from 'aws-lambda';
import type * as z from 'zod/mini';
import { DomainError, invalidRequest } from '#core/errors.ts';
import { header } from './http.ts';

/** Parses and validates a JSON request body; errors name the fields, never echo the values. */
export const parseJsonBody = <T>(event: APIGatewayProxyEvent, schema: z.ZodMiniType<T>): T => {
  const contentType = header(event, 'content-type') ?? '';
  if (!/^application\/json\b/i.test(contentType)) {
    throw new DomainError(
      'unsupported_media_type',
      'unsupported_media_type',
      'Send the body as application/json',
    );
  }
  const text = event.isBase64Encoded
    ? Buffer.from(event.body ?? '', 'base64').toString('utf8')
    : (event.body ?? '');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidRequest('invalid_json', 'The body is not valid JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(body)'))];
    throw invalidRequest('invalid_request', `Invalid or missing fields: ${fields.join(', ')}`);
  }
  return parsed.data;
};
