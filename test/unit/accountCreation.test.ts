// The pure rules of account creation: which step a request shows of the run it shares, and a new profile's
// first display name.
import { initialDisplayName } from '../../libraries/accountCreation/create';
import { requestStep } from '../../libraries/accountCreation/service';
import { AccountCreationFailure } from '../../workflows/shared/accountCreationContract';
import { FailureType } from '../../workflows/shared/failures';

const open = { closedAt: null, outcome: null, failureReason: null, verifiedAt: null, runId: 'run-1' };
const verifier = { ...open, verifiedAt: new Date() };

describe('requestStep', () => {
  test('a closed request shows its own outcome, whatever the run says', () => {
    const closed = { ...open, closedAt: new Date(), outcome: 'cancelled' as const };
    expect(requestStep(closed, { step: 'awaiting_code', failureReason: null })).toEqual({ step: 'cancelled', failureReason: null, racing: false });
    expect(requestStep({ ...closed, outcome: 'failed', failureReason: 'EmailTaken' }, undefined))
      .toEqual({ step: 'failed', failureReason: 'EmailTaken', racing: false });
  });

  test('an open request never bound to a run is expired', () => {
    expect(requestStep({ ...open, runId: null }, undefined)).toMatchObject({ step: 'expired', racing: false });
  });

  test('while the run awaits a code, every request shows it; so do outcomes that concern them all', () => {
    for (const s of [
      { step: 'awaiting_code' as const, failureReason: null },
      { step: 'failed' as const, failureReason: FailureType.AttemptsExhausted },
      { step: 'cancelled' as const, failureReason: null },
      { step: 'expired' as const, failureReason: null },
    ]) {
      expect(requestStep(open, s)).toEqual({ ...s, racing: true });
      expect(requestStep(verifier, s)).toEqual({ ...s, racing: true });
    }
  });

  test('past the code, only the verified request sees the run; every other one was overtaken', () => {
    for (const s of [
      { step: 'verified' as const, failureReason: null },
      { step: 'creating' as const, failureReason: null },
      { step: 'completed' as const, failureReason: null },
      { step: 'failed' as const, failureReason: AccountCreationFailure.EmailTaken },
    ]) {
      expect(requestStep(verifier, s)).toEqual({ ...s, racing: true });
      // An overtaken request learns neither the outcome nor that the address has an account.
      expect(requestStep(open, s)).toEqual({ step: 'expired', failureReason: null, racing: false });
    }
  });
});

describe('initialDisplayName', () => {
  test.each([
    ['ada.lovelace@example.test', 'ada.lovelace'],
    ['"odd@local"@example.test', '"odd@local"'],
    ['@example.test', 'New member'],
    [`${'é'.repeat(250)}@example.test`, 'é'.repeat(200)],
    [`${'😀'.repeat(201)}@example.test`, '😀'.repeat(200)],
  ])('the local part, at most 200 characters (code points), else a neutral name: case %#', (address, name) => {
    expect(initialDisplayName(address)).toBe(name);
  });
});
