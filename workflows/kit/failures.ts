import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import { FailureType } from '../shared/failures';

/** The ApplicationFailure type behind an activity error; local activities raise it unwrapped. */
export function failureType(err: unknown): string | undefined {
  const failure = err instanceof ActivityFailure ? err.cause : err;
  return failure instanceof ApplicationFailure ? (failure.type ?? undefined) : undefined;
}

export function invalidStep(step: string, action: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.InvalidStep, message: `cannot ${action} at step ${step}`, details: [step] });
}

export function invalidArgument(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.InvalidArgument, message });
}
