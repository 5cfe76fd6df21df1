import { ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';

/** The ApplicationFailure an update was rejected with (by its validator or its handler). */
export async function updateRejection(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}
