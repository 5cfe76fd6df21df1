import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import { FailureType } from '../shared/failures';

/** The ApplicationFailure type behind an activity error; local activities raise it unwrapped. */
export function failureType(err: unknown): string | undefined {
  const failure = err instanceof ActivityFailure ? err.cause : err;
  return failure instanceof ApplicationFailure ? (failure.type ?? undefined) : undefined;
}

/** The details of the ApplicationFailure behind an activity error (a retry-after, say). */
export function activityDetails(err: unknown): unknown[] {
  const failure = err instanceof ActivityFailure ? err.cause : err;
  return failure instanceof ApplicationFailure ? [...(failure.details ?? [])] : [];
}

export function invalidStep(step: string, action: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.InvalidStep, message: `cannot ${action} at step ${step}`, details: [step] });
}

export function invalidArgument(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.InvalidArgument, message });
}
