import { ApplicationFailure, ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { AppError } from '../../lib/errors';
import { temporalUnavailable, updateError } from '../../libraries/temporalErrors';
import { FailureType } from '../../workflows/shared/failures';

const grpcError = (code: number) => Object.assign(new Error('grpc'), { code, details: 'x', metadata: {} });
const rejected = (type: string, details: unknown[] = []) =>
  new WorkflowUpdateFailedError('update failed', ApplicationFailure.create({ type, message: 'no', details }));
const closed = { invalidStep: 'merge.invalid_step', unknownRecipient: 'merge.unknown_email_option', closed: () => new AppError(409, 'merge.closed', 'closed') };

describe('updateError', () => {
  test.each([
    [FailureType.InvalidStep, 409, 'merge.invalid_step'],
    [FailureType.UnknownRecipient, 422, 'merge.unknown_email_option'],
    [FailureType.MailUnavailable, 503, 'mail.unavailable'],
  ])('%s → %i %s', (type, status, code) => {
    expect(updateError(rejected(type), closed)).toMatchObject({ status, code });
  });

  test('Throttled → 429 with Retry-After rounded up to whole seconds', () => {
    const e = updateError(rejected(FailureType.Throttled, [1200]), closed)!;
    expect(e).toMatchObject({ status: 429, code: 'verification_code.resend_too_soon' });
    expect(e.extra.headers).toEqual({ 'Retry-After': '2' });
  });

  test('a workflow that is gone maps to the caller\'s "closed" answer', () => {
    expect(updateError(new WorkflowNotFoundError('gone', 'wf', undefined), closed)).toMatchObject({ status: 409, code: 'merge.closed' });
  });

  test('an unknown failure type is left to the generic 500 path', () => {
    expect(updateError(rejected('SomethingElse'), closed)).toBeUndefined();
    expect(updateError(new Error('boom'), closed)).toBeUndefined();
  });

  test('Temporal unreachable during an update → 503', () => {
    expect(updateError(new ServiceError('down', { cause: grpcError(14) }), closed)).toMatchObject({ status: 503, code: 'temporal.unavailable' });
  });
});

describe('temporalUnavailable', () => {
  test.each([14, 4])('gRPC code %i (unavailable, deadline) → 503 with Retry-After', (code) => {
    const e = temporalUnavailable(grpcError(code))!;
    expect(e).toMatchObject({ status: 503, code: 'temporal.unavailable' });
    expect(e.extra.headers).toEqual({ 'Retry-After': '5' });
  });

  test('other gRPC codes and plain errors are not availability problems', () => {
    expect(temporalUnavailable(grpcError(3))).toBeUndefined();
    expect(temporalUnavailable(new Error('boom'))).toBeUndefined();
  });
});
