import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { registerCodeUpdates } from './kit/codeUpdates';
import { failureType, invalidArgument, invalidStep } from './kit/failures';
import {
  AccountCreationFailure, CreateArgs, accountCreationCodeUpdates, accountCreationStatusQuery, cancelAccountCreationUpdate,
  createAccountUpdate, isTerminalCreationStep,
  type AccountCreationOutcome, type AccountCreationStatus, type AccountCreationStep, type CreateAccountInput,
} from './shared/accountCreationContract';
import { FailureType } from './shared/failures';
import { FLOW_STEP, PROFILE_ID } from './shared/searchAttributes';
import { UNTIL_DONE } from './kit/activityOptions';

type Activities = ReturnType<typeof createActivities>;

// The user waits on the creation inside the `create` Update (the seed's loader), so it is a local activity.
// It is idempotent (keyed by the request's row) and must eventually happen: infrastructure failures retry.
const { createAccountFromPending } = proxyLocalActivities<Activities>(UNTIL_DONE);
// Nobody waits for the close: an ordinary activity, visible as such in the UI.
const { closeAccountCreation } = proxyActivities<Activities>(UNTIL_DONE);

/**
 * Creates an account for an address once its owner proves it with an emailed code: a new profile with the
 * account (sign-up), or the account inside the signed-in profile (User Settings §3.3).
 *
 * The run is one per address (its id is keyed by the address's HMAC, started with USE_EXISTING). Every
 * request that joins it brings its own pending row (password hash, marketing choice, profile); the request
 * whose code is verified names its row in the `create` Update, so only the one who proved the address
 * chooses the password.
 *
 * Ends with a result for completed, cancelled and expired runs; fails with ApplicationFailure
 * AttemptsExhausted after too many wrong codes, or EmailTaken, ProfileGone or PendingAccountGone when the
 * creation became impossible. Updates: requestCode and verifyCode (the verification kit), create and
 * cancel; query: status.
 */
export async function createAccount(input: CreateAccountInput): Promise<{ outcome: AccountCreationOutcome }> {
  const { workflowId, runId } = workflowInfo();
  const expiresAt = Date.now() + input.ttlMs;
  let step: AccountCreationStep = 'awaiting_code';
  let failureReason: string | null = null;
  let verifiedAt = 0;
  let creationId: string | null = null;
  let created: { accountId: string; profileId: string } | null = null;

  const moveTo = (next: AccountCreationStep) => {
    step = next;
    // Ids and the step only: the UI's "current details" cost no history event.
    setCurrentDetails(`account creation ${creationId ?? '(unverified)'}: ${next}`);
    // `creating` lasts milliseconds: indexing it would cost a visibility write and show nobody anything.
    if (next !== 'creating') upsertSearchAttributes([{ key: FLOW_STEP, value: next }]);
  };

  const status = (): AccountCreationStatus => ({
    step, expiresAt, failureReason, creationId,
    accountId: created?.accountId ?? null,
    profileId: created?.profileId ?? null,
    ...challenge.state(Date.now()),
  });
  const challenge = registerCodeUpdates<AccountCreationStatus>({
    updates: accountCreationCodeUpdates,
    policy: input.challenge,
    purpose: input.kind,
    step: () => step,
    canRequestCode: () => step === 'awaiting_code',
    canVerifyCode: () => step === 'awaiting_code',
    // One fixed recipient: the address being signed up. The kit's emailOptionId is not used.
    recipient: () => ({ kind: 'pending-address', pendingAddressId: input.pendingAddressId }),
    onCodeSent: () => undefined,
    onVerdict: (verdict) => {
      if (verdict === 'verified') {
        verifiedAt = Date.now();
        moveTo('verified');
      }
      if (verdict === 'exhausted') {
        failureReason = FailureType.AttemptsExhausted;
        moveTo('failed');
      }
    },
    status,
  });
  setHandler(accountCreationStatusQuery, status);

  setHandler(
    createAccountUpdate,
    async (args) => {
      creationId = args.creationId;
      moveTo('creating');
      // An operator's cancel must not abandon a transaction that may commit: the creation always finishes.
      await CancellationScope.nonCancellable(async () => {
        try {
          const r = await createAccountFromPending({ workflowId, runId, creationId: args.creationId });
          created = { accountId: r.accountId, profileId: r.profileId };
          upsertSearchAttributes([{ key: PROFILE_ID, value: r.profileId }]);
          moveTo('completed');
        } catch (err) {
          failureReason = failureType(err) ?? AccountCreationFailure.PendingAccountGone;
          moveTo('failed');
        }
      });
      return { step, status: status() };
    },
    {
      validator: (args) => {
        if (!CreateArgs.safeParse(args).success) throw invalidArgument('create takes {creationId: uuid}');
        if (step !== 'verified') throw invalidStep(step, 'create the account');
      },
    },
  );
  setHandler(
    cancelAccountCreationUpdate,
    () => {
      moveTo('cancelled');
      return { step, status: status() };
    },
    { validator: () => { if (step !== 'awaiting_code' && step !== 'verified') throw invalidStep(step, 'cancel'); } },
  );

  let outcome: AccountCreationOutcome;
  try {
    while (!isTerminalCreationStep(step)) {
      // The Update handlers move `step`; TypeScript cannot see that, so it is read through a widening cast.
      const at = step as AccountCreationStep;
      if (at === 'creating') {
        // A creation in progress finishes even past the deadline: the user proved the address already.
        await condition(() => step !== at);
        continue;
      }
      // Verified: the verifying request asks for the creation at once; if it never does, stop waiting soon.
      const deadline = at === 'verified' ? Math.min(expiresAt, verifiedAt + input.createWithinMs) : expiresAt;
      const left = deadline - Date.now();
      // Never `condition(fn, 0)`: the SDK treats a zero timeout specially (a patch marker, or no timeout at all).
      if (left <= 0 || !(await condition(() => step !== at, left))) moveTo('expired');
    }
    outcome = step as AccountCreationOutcome;
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // An operator cancelled the run in the Temporal UI. A creation in flight decides the outcome.
    await CancellationScope.nonCancellable(() => condition(() => step !== 'creating'));
    if (!isTerminalCreationStep(step)) moveTo('cancelled');
    outcome = step as AccountCreationOutcome;
  }

  await CancellationScope.nonCancellable(async () => {
    // Every outcome closes the requests of this run and deletes their pending rows. The record has the
    // last word: a creation whose Update was lost with its worker may have committed, and then the run
    // reports completed.
    const recorded = await closeAccountCreation({ workflowId, runId, pendingAddressId: input.pendingAddressId, outcome, failureReason });
    if (recorded === 'completed' && outcome !== 'completed') {
      outcome = 'completed';
      failureReason = null;
      moveTo('completed');
    }
    await condition(allHandlersFinished);
  });

  if (outcome === 'failed') {
    throw ApplicationFailure.create({
      type: failureReason ?? FailureType.AttemptsExhausted,
      message: `account creation failed: ${failureReason ?? FailureType.AttemptsExhausted}`,
      nonRetryable: true,
    });
  }
  return { outcome };
}
