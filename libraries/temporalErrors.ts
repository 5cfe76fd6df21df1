import {
  ApplicationFailure, ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcServiceError,
} from '@temporalio/client';
import { AppError, retryLater } from '../lib/errors';
import { FailureType } from '../workflows/shared/failures';

// gRPC status codes.
const UNAVAILABLE = 14;
const DEADLINE_EXCEEDED = 4;
const RESOURCE_EXHAUSTED = 8;

const unavailable = () => retryLater(503, 'temporal.unavailable', 'The workflow service is unavailable; try again shortly', 5_000);

/**
 * Temporal could not answer in time (down, restarting, overloaded, or our deadline passed): a 503 or 429
 * the client may retry, never a 500.
 */
export function temporalUnavailable(err: unknown): AppError | undefined {
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return unavailable();
  const grpc = err instanceof ServiceError ? err.cause : err;
  if (!isGrpcServiceError(grpc)) return undefined;
  if (grpc.code === RESOURCE_EXHAUSTED) {
    return retryLater(429, 'temporal.busy', 'The workflow service is busy; try again shortly', 5_000);
  }
  return grpc.code === UNAVAILABLE || grpc.code === DEADLINE_EXCEEDED ? unavailable() : undefined;
}

/** The error codes one code flow answers with; the kit supplies the rest (`verification_code.*`). */
export interface FlowErrors {
  /** An Update at a step where it makes no sense, e.g. `merge.invalid_step`. */
  invalidStep: string;
  /** The chosen recipient does not exist, e.g. `merge.unknown_email_option`. */
  unknownRecipient: string;
  /** The run is closed: what to answer instead. */
  closed: () => AppError;
}

/**
 * Maps a failed workflow Update to the client's answer. Validators reject with typed ApplicationFailures;
 * anything unrecognised is rethrown by the caller and becomes a logged 500.
 */
export function updateError(err: unknown, flow: FlowErrors): AppError | undefined {
  if (err instanceof WorkflowNotFoundError) return flow.closed();
  if (!(err instanceof WorkflowUpdateFailedError)) return temporalUnavailable(err);
  const cause = err.cause;
  if (!(cause instanceof ApplicationFailure)) return undefined;
  switch (cause.type) {
    case FailureType.InvalidStep:
      return new AppError(409, flow.invalidStep, `This action is not possible now: ${cause.message}`);
    case FailureType.Throttled:
      return retryLater(429, 'verification_code.resend_too_soon', 'A code was sent recently; wait before asking again', Number(cause.details?.[0] ?? 60_000));
    case FailureType.UnknownRecipient:
      return new AppError(422, flow.unknownRecipient, 'This recipient does not exist for this flow');
    case FailureType.CodeQuotaExhausted:
      return retryLater(429, 'verification_code.too_many_codes', 'Too many codes were sent to this address recently; try again later', Number(cause.details?.[0] ?? 3_600_000));
    case FailureType.MailUnavailable:
      return retryLater(503, 'mail.unavailable', 'The code could not be sent; try again shortly', 30_000);
    default:
      return undefined;
  }
}
