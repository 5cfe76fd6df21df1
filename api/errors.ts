import type { ErrorRequestHandler, RequestHandler } from 'express';
import { violatedConstraint } from '../db/errors';

/** An error a client caused or may see. `code` is stable and dotted; `error` is for humans. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: { details?: unknown[]; headers?: Record<string, string>; fields?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (code = 'resource.not_found', message = 'Not found') => new HttpError(404, code, message);

/** Database constraints mapped to client errors, in this one place. Unlisted violations are server bugs. */
const CONSTRAINTS: Record<string, { status: number; code: string; message: string }> = {
  accounts__email__unique: { status: 409, code: 'account.email_taken', message: 'An account with this email already exists' },
  profile_merge_locks__profile_id__pkey: { status: 409, code: 'merge.already_running', message: 'One of the profiles is already part of a merge in progress' },
};

export function constraintError(err: unknown): HttpError | undefined {
  const name = violatedConstraint(err);
  const hit = name ? CONSTRAINTS[name] : undefined;
  return hit && new HttpError(hit.status, hit.code, hit.message);
}

// body-parser's error types, each a client mistake.
const BODY_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  'entity.parse.failed': { status: 400, code: 'request.malformed_json', message: 'The request body is not valid JSON' },
  'entity.too.large': { status: 413, code: 'request.too_large', message: 'The request body is too large' },
  'encoding.unsupported': { status: 415, code: 'request.unsupported_encoding', message: 'Unsupported content encoding' },
  'charset.unsupported': { status: 415, code: 'request.unsupported_charset', message: 'Unsupported charset' },
  'request.aborted': { status: 400, code: 'request.aborted', message: 'The request was aborted' },
  'request.size.invalid': { status: 400, code: 'request.size_invalid', message: 'Request size did not match Content-Length' },
};

/** Errors raised by Express and body-parser themselves (bad JSON, bad percent-encoding in a path…). */
function clientError(err: { type?: unknown; status?: unknown }): HttpError | undefined {
  const body = typeof err?.type === 'string' ? BODY_ERRORS[err.type] : undefined;
  if (body) return new HttpError(body.status, body.code, body.message);
  if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
    return new HttpError(400, 'request.malformed', 'The request is malformed');
  }
  return undefined;
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'route.not_found', `No route for ${req.method} ${req.path}`));
};

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const known = err instanceof HttpError ? err : constraintError(err) ?? clientError(err);
  if (!known) {
    req.log?.error({ err }, 'unhandled error');
    if (res.headersSent) return;
    res.status(500).json({ error: 'Internal server error', code: 'internal.error' });
    return;
  }
  if (res.headersSent) return;
  for (const [k, v] of Object.entries(known.extra.headers ?? {})) res.setHeader(k, v);
  res.status(known.status).json({
    error: known.message,
    code: known.code,
    ...known.extra.fields,
    ...(known.extra.details ? { details: known.extra.details } : {}),
  });
};
