/**
 * Typed domain errors. Each carries a stable machine-readable `code` and a `kind`; the HTTP
 * layer maps kinds to status codes (lambdas/shared/http-errors.ts). Messages are written for
 * the caller and never contain personal data or internals.
 */
export type ErrorKind =
  | 'invalid_request'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  /** A rate limit or a brute-force block: 429 with Retry-After (see core/ratelimit). */
  | 'too_many_requests';

export class DomainError extends Error {
  override readonly name: string = 'DomainError';
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const invalidRequest = (code: string, message: string): DomainError =>
  new DomainError('invalid_request', code, message);

export const unauthenticated = (code: string, message: string): DomainError =>
  new DomainError('unauthenticated', code, message);

export const forbidden = (code: string, message: string): DomainError =>
  new DomainError('forbidden', code, message);

export const notFound = (code: string, message: string): DomainError =>
  new DomainError('not_found', code, message);

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;
