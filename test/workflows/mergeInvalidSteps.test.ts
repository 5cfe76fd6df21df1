// Updates sent at the wrong step or with malformed arguments are refused without changing the merge.
import { mergeCodeUpdates } from '../../workflows/shared/mergeContract';
import { FailureType } from '../../workflows/shared/failures';
import { LONG, mergeSuite, toConfirmation } from '../helpers/mergeHarness';
import { updateRejection } from '../helpers/updateRejection';

const { startMerge, expectNothingMerged } = mergeSuite();

describe('invalid steps and inputs', () => {
  test('verify before any code is sent is InvalidStep', async () => {
    const m = await startMerge();
    const rejected = await updateRejection(m.verify('123456'));
    expect(rejected.type).toBe(FailureType.InvalidStep);
    expect(await m.status()).toMatchObject({ step: 'awaiting_email_choice', attemptsLeft: 5 });
    await m.cancel();
  });

  test('confirm before verify is InvalidStep, both before and after a code is sent', async () => {
    const m = await startMerge();
    expect((await updateRejection(m.confirm())).type).toBe(FailureType.InvalidStep);
    await m.requestCode();
    expect((await updateRejection(m.confirm())).type).toBe(FailureType.InvalidStep);
    expect(await m.status()).toMatchObject({ step: 'awaiting_code' });
    await expectNothingMerged(m.me, m.other);
    await m.cancel();
  });

  test('requesting or verifying a code after verification is InvalidStep', async () => {
    const m = await startMerge({ challenge: { ...LONG, resendIntervalMs: 0 } });
    await toConfirmation(m);
    expect((await updateRejection(m.requestCode())).type).toBe(FailureType.InvalidStep);
    expect((await updateRejection(m.verify('123456'))).type).toBe(FailureType.InvalidStep);
    expect(m.codeMailCount()).toBe(1);
    await m.cancel();
  });

  test('malformed arguments are refused by the validators without spending anything', async () => {
    const m = await startMerge();
    expect((await updateRejection(m.requestCode(''))).type).toBe(FailureType.InvalidArgument);
    await m.requestCode();
    const malformed = m.handle.executeUpdate(mergeCodeUpdates.verifyCode, { args: [{ codeHmac: '123456' }] });
    expect((await updateRejection(malformed)).type).toBe(FailureType.InvalidArgument);
    expect(await m.status()).toMatchObject({ step: 'awaiting_code', attemptsLeft: 5, codesSent: 1 });
    await m.cancel();
  });
});
