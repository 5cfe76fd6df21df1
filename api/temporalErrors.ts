import {
  ApplicationFailure, ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError, isGrpcServiceError,
} from '@temporalio/client';
import { FailureType } from '../workflows/shared/failures';
import { HttpError } from './errors';

// gRPC status codes UNAVAILABLE and DEADLINE_EXCEEDED.
const UNREACHABLE = new Set([14, 4]);

/** Temporal could not be reached (down, restarting, overloaded): a 503 the client may retry, not a 500. */
export function temporalUnavailable(err: unknown): HttpError | undefined {
  const grpc = err instanceof ServiceError ? err.cause : err;
  if (!isGrpcServiceError(grpc) || !UNREACHABLE.has(grpc.code)) return undefined;
  return new HttpError(503, 'temporal.unavailable', 'The workflow service is unavailable; try again shortly', {
    headers: { 'Retry-After': '5' },
  });
}

/**
 * Maps a failed workflow Update to the HTTP answer. Validators reject with typed ApplicationFailures;
 * anything unrecognised is rethrown and becomes a logged 500.
 */
export function updateError(err: unknown, closed: () => HttpError): HttpError | undefined {
  if (err instanceof WorkflowNotFoundError) return closed();
  if (!(err instanceof WorkflowUpdateFailedError)) return temporalUnavailable(err);
  const cause = err.cause;
  if (!(cause instanceof ApplicationFailure)) return undefined;
  switch (cause.type) {
    case FailureType.InvalidStep:
      return new HttpError(409, 'merge.invalid_step', `This action is not possible now: ${cause.message}`);
    case FailureType.Throttled: {
      const ms = Number(cause.details?.[0] ?? 60_000);
      return new HttpError(429, 'verification_code.resend_too_soon', 'A code was sent recently; wait before asking again', {
        headers: { 'Retry-After': String(Math.max(1, Math.ceil(ms / 1000))) },
      });
    }
    case FailureType.UnknownEmailOption:
      return new HttpError(422, 'merge.unknown_email_option', 'This email option does not exist for this merge');
    case FailureType.MailUnavailable:
      return new HttpError(503, 'mail.unavailable', 'The code could not be sent; try again shortly', { headers: { 'Retry-After': '30' } });
    default:
      return undefined;
  }
}
