import {
  ApplicationFailure, CancellationScope, allHandlersFinished, condition, isCancellation, log, proxyActivities, proxyLocalActivities,
  setCurrentDetails, setHandler, upsertSearchAttributes, uuid4, workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { UNTIL_DONE } from './kit/activityOptions';
import { registerCodeUpdates } from './kit/codeUpdates';
import { failureType, invalidStep } from './kit/failures';
import { FailureType } from './shared/failures';
import {
  InvitationFailure, acceptInvitationUpdate, invitationCodeUpdates, invitationStatusQuery, isInvitationTerminal, revokeInvitationUpdate,
  type InvitationOutcome, type InvitationStatus, type InvitationStep, type MemberInvitationInput,
} from './shared/memberInvitationContract';
import { FLOW_STEP } from './shared/searchAttributes';
import type { CodeRecipient } from './shared/verification';

type Activities = ReturnType<typeof createActivities>;

// The run is started inside the transaction that writes the invitation, so its first task can come before the
// commit: the row is waited for, briefly. A row that never shows belongs to a creation that rolled back.
const { openMemberInvitation } = proxyActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 8 },
});
// Nobody waits for the first email (the API answered 201 before it goes): an ordinary activity, a few tries,
// then the admin resends. Idempotent (outbox, derived code).
const { sendVerificationCode } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 4 },
});
// Once a code is verified the account must eventually be activated, and every run must eventually be closed:
// both are idempotent, keyed by the invitation's row.
const { applyInvitationAcceptance, closeMemberInvitation } = proxyActivities<Activities>(UNTIL_DONE);
// The HMAC of the code a challenge id derives (no I/O; the password reset's): taken before the email goes.
const { passwordResetCodeHmac } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '5s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumAttempts: 5 },
});

/**
 * The invitation of a member a company admin created (README "Onboarding"), one run per invitation. It emails
 * a code at once; `requestCode` (the kit) resends it, each time with a new code and the full time to live
 * again, at most `maxResends` times; `verifyCode` (the kit) checks a typed code; `accept` waits for the
 * account's activation with the password waiting under the verified code's HMAC; `revoke` ends it. An
 * invitation that ends unaccepted removes the account it created, which nobody ever used.
 *
 * Ends with accepted, expired or revoked (an operator's cancel revokes); fails with AttemptsExhausted,
 * InvitationGone, AccountUnavailable or PendingPasswordGone. Query: status. History holds ids, deadlines,
 * verdicts and HMACs, never an address, a name, a code or a password.
 */
export async function memberInvitation(input: MemberInvitationInput): Promise<{ outcome: InvitationOutcome }> {
  const { workflowId } = workflowInfo();
  const recipient: CodeRecipient = { kind: 'invited-member', invitationId: input.invitationId };
  let expiresAt = input.expiresAt;
  let step: InvitationStep = 'pending';
  let failureReason: string | null = null;
  let resends = 0;
  /** The HMAC of the code that is valid now, and of the one verified: the password waits under the latter. */
  let currentHmac: string | null = null;
  let verifiedHmac: string | null = null;
  let closed = false;

  const moveTo = (next: InvitationStep) => {
    step = next;
    setCurrentDetails(`invitation ${input.invitationId}: ${next}`);
    // `accepting` lasts milliseconds: indexing it would cost a visibility write and show nobody anything.
    if (next !== 'accepting') upsertSearchAttributes([{ key: FLOW_STEP, value: next }]);
  };

  const status = (): InvitationStatus => ({
    step, expiresAt, resendsLeft: Math.max(0, input.maxResends - resends), failureReason, ...challenge.state(Date.now()),
  });
  const challenge = registerCodeUpdates<InvitationStatus>({
    updates: invitationCodeUpdates,
    // The code lives as long as the invitation; the kit's attempts budget spans every code of it.
    policy: { codeTtlMs: input.ttlMs, ...input.challenge },
    purpose: 'member-invitation',
    step: () => step,
    canRequestCode: () => step === 'pending' && resends < input.maxResends,
    canVerifyCode: () => step === 'pending',
    recipient: () => recipient,
    onCodeSent: (codeHmac) => {
      // A resend: the new code replaces the old one, and the invitation gets its full time again.
      resends += 1;
      currentHmac = codeHmac;
      expiresAt = Date.now() + input.ttlMs;
    },
    onVerdict: (verdict) => {
      if (verdict === 'verified') {
        verifiedHmac = currentHmac;
        moveTo('accepting');
      }
      if (verdict === 'exhausted') {
        failureReason = FailureType.AttemptsExhausted;
        moveTo('failed');
      }
    },
    status,
  });

  setHandler(invitationStatusQuery, status);
  setHandler(
    acceptInvitationUpdate,
    async () => {
      await condition(() => step !== 'accepting');
      return { step, status: status() };
    },
    {
      validator: ({ codeHmac }) => {
        // Only the code this run verified: the caller proves it typed it.
        if (verifiedHmac === null || typeof codeHmac !== 'string' || codeHmac !== verifiedHmac) throw invalidStep(step, 'accept');
      },
    },
  );
  setHandler(
    revokeInvitationUpdate,
    async () => {
      if (step === 'pending') moveTo('revoked');
      await condition(() => closed);
      return { step, status: status() };
    },
    { validator: () => { if (step !== 'pending') throw invalidStep(step, 'revoke'); } },
  );

  async function accept(): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      try {
        await applyInvitationAcceptance({ invitationId: input.invitationId, workflowId, codeHmac: verifiedHmac! });
        moveTo('accepted');
      } catch (err) {
        failureReason = failureType(err) ?? InvitationFailure.AccountUnavailable;
        moveTo('failed');
      }
    });
  }

  /**
   * The invitation's first email, sent by the run itself. The code's HMAC is taken first, then the email goes:
   * the run knows the code before anyone can read it, so a code typed the moment its email arrives is checked.
   */
  async function sendFirstCode(): Promise<void> {
    const challengeId = uuid4();
    await challenge.issue(Date.now, async () => {
      const { codeHmac } = await passwordResetCodeHmac({ scope: workflowId, challengeId });
      currentHmac = codeHmac;
      return codeHmac;
    });
    try {
      await sendVerificationCode({ scope: workflowId, challengeId, purpose: 'member-invitation', validForMs: input.ttlMs, recipient });
    } catch (err) {
      if (isCancellation(err)) throw err;
      // The mail server is down, or the address's quota is spent: a code nobody received is the current one,
      // and the admin may resend.
      log.warn('invitation email not sent', { failure: failureType(err) ?? 'unknown' });
    }
  }

  let outcome: InvitationOutcome;
  try {
    try {
      await openMemberInvitation({ invitationId: input.invitationId });
    } catch (err) {
      if (isCancellation(err)) throw err;
      failureReason = InvitationFailure.InvitationGone;
      moveTo('failed');
    }
    if (step === 'pending') await sendFirstCode();
    // A resend may move the deadline while the run waits: wait again for the new one.
    while (step === 'pending') {
      const deadline = expiresAt;
      await condition(() => step !== 'pending' || expiresAt !== deadline, Math.max(0, deadline - Date.now()));
      if (step === 'pending' && expiresAt === deadline) moveTo('expired');
    }
    if ((step as InvitationStep) === 'accepting') await accept();
    outcome = step as InvitationOutcome;
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // An operator cancelled the run in the Temporal UI: a verified code is still honoured, anything else revoked.
    await CancellationScope.nonCancellable(async () => {
      if (step === 'accepting') await accept();
    });
    if (!isInvitationTerminal(step)) moveTo('revoked');
    outcome = step as InvitationOutcome;
  }

  await CancellationScope.nonCancellable(async () => {
    await closeMemberInvitation({ invitationId: input.invitationId, workflowId, outcome, failureReason });
    closed = true;
    await condition(allHandlersFinished);
  });

  if (outcome === 'failed') {
    const type = failureReason ?? FailureType.AttemptsExhausted;
    throw ApplicationFailure.create({ type, message: `invitation failed: ${type}`, nonRetryable: true });
  }
  return { outcome };
}
