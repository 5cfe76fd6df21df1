// The worker bundles this file: every workflow the task queue serves is exported here.
export { createAccount } from './createAccount';
export { mergeProfile } from './mergeProfile';
export { latencyProbe } from './latencyProbe';
export { throughputProbe } from './throughputProbe';
export { deleteAccount } from './deleteAccount';
export { passwordExpirySweep } from './passwordExpirySweep';
export { tokenExpirySweep } from './tokenExpirySweep';
export { resetPassword } from './resetPassword';
export { verifyRecoveryEmail } from './verifyRecoveryEmail';
export { memberInvitation } from './memberInvitation';
export { offboardPerson } from './offboardPerson';
export { offboardingBatch } from './offboardingBatch';
