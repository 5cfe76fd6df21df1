/**
 * An error a client caused or may see, raised by the business layer and the API alike. `code` is stable
 * and dotted; `error` is for humans. `status` is the HTTP status, as logto's RequestError carries one:
 * every caller of the business layer today is HTTP, and one table of codes is easier to keep true than
 * a second mapping.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: { details?: unknown[]; headers?: Record<string, string>; fields?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (code = 'resource.not_found', message = 'Not found') => new AppError(404, code, message);

/** A 429 or 503 with `Retry-After` in whole seconds (at least 1). */
export function retryLater(status: 429 | 503, code: string, message: string, retryAfterMs: number, fields?: Record<string, unknown>): AppError {
  return new AppError(status, code, message, {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
    ...(fields ? { fields } : {}),
  });
}
