import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError } from '../lib/errors';
import { constraintError } from '../libraries/constraints';
import { databaseUnavailable } from '../libraries/databaseErrors';

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
function clientError(err: { type?: unknown; status?: unknown }): AppError | undefined {
  const body = typeof err?.type === 'string' ? BODY_ERRORS[err.type] : undefined;
  if (body) return new AppError(body.status, body.code, body.message);
  if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
    return new AppError(400, 'request.malformed', 'The request is malformed');
  }
  return undefined;
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError(404, 'route.not_found', `No route for ${req.method} ${req.path}`));
};

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const outage = err instanceof AppError ? undefined : databaseUnavailable(err);
  // Logged, so operators see the cause; the client sees only a 503 it may retry.
  if (outage) req.log?.warn({ err }, 'database unavailable');
  const known = err instanceof AppError ? err : constraintError(err) ?? outage ?? clientError(err);
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
