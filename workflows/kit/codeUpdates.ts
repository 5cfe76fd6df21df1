import { ApplicationFailure, proxyLocalActivities, setHandler, uuid4, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../../activities';
import { CodeChallenge, hmacEquals, type ChallengePolicy, type Verdict } from '../shared/codeChallenge';
import { FailureType } from '../shared/failures';
import {
  RequestCodeArgs, VerifyCodeArgs, type CodePurpose, type CodeRecipient, type CodeRejection, type CodeUpdates,
} from '../shared/verification';
import { activityDetails, failureType, invalidArgument, invalidStep } from './failures';

// The user waits on the code email inside an Update, so it is a local activity: sent by the worker that
// holds the workflow task, without a round trip through the server's queues. It is idempotent (outbox,
// derived code), so the re-execution a crashed worker causes is harmless. It gives up after a few tries
// and lets the user ask again.
const { sendVerificationCode } = proxyLocalActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumAttempts: 3 },
});

/** What a flow tells the kit; everything else about codes (budget, expiry, resend, HMACs) is the kit's. */
export interface CodeFlow<S> {
  updates: CodeUpdates<S>;
  policy: ChallengePolicy;
  purpose: CodePurpose;
  /** The flow's current step, for refusals. */
  step(): string;
  canRequestCode(): boolean;
  canVerifyCode(): boolean;
  /** Where the code goes; throws invalidArgument for arguments the flow cannot use. */
  recipient(args: RequestCodeArgs): CodeRecipient;
  /** How the email's reader stops the flow if it was not them; ids only, the activity derives the token. */
  rejection?: CodeRejection;
  /** After each code the Update sent, with its HMAC: a flow that binds something to the current code keeps it. */
  onCodeSent(codeHmac: string): void;
  onVerdict(verdict: Verdict): void;
  status(): S;
}

/** Parses Update arguments with their contract, refusing malformed ones as InvalidArgument. */
function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { message: string } } }, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw invalidArgument(r.error.message);
  return r.data;
}

/**
 * Registers the requestCode and verifyCode Updates, their validators and their failure wrapping on the
 * calling workflow, and returns the challenge so the flow can report its state.
 *
 * requestCode fails with InvalidStep, InvalidArgument, Throttled, UnknownRecipient or MailUnavailable;
 * verifyCode with InvalidStep or InvalidArgument. Neither failure changes the flow.
 */
export function registerCodeUpdates<S>(flow: CodeFlow<S>): CodeChallenge {
  const challenge = new CodeChallenge(flow.policy);

  setHandler(
    flow.updates.requestCode,
    async (args) => {
      let sent = '';
      await challenge.issue(Date.now, async () => {
        try {
          const { codeHmac } = await sendVerificationCode({
            scope: workflowInfo().workflowId,
            challengeId: uuid4(),
            purpose: flow.purpose,
            validForMs: flow.policy.codeTtlMs,
            recipient: flow.recipient(args),
            ...(flow.rejection ? { rejection: flow.rejection } : {}),
          });
          sent = codeHmac;
          return codeHmac;
        } catch (err) {
          // Fail this update only, with a type the API maps; the flow stays open for another try.
          const type = failureType(err);
          const passed = type === FailureType.UnknownRecipient || type === FailureType.CodeQuotaExhausted;
          throw ApplicationFailure.create({
            type: passed ? type : FailureType.MailUnavailable,
            message: 'the code could not be sent',
            details: type === FailureType.CodeQuotaExhausted ? activityDetails(err) : [],
          });
        }
      });
      flow.onCodeSent(sent);
      const s = challenge.state(Date.now());
      return { codeExpiresAt: s.codeExpiresAt!, resendAvailableAt: s.resendAvailableAt!, status: flow.status() };
    },
    {
      validator: (args) => {
        flow.recipient(parse(RequestCodeArgs, args));
        if (!flow.canRequestCode()) throw invalidStep(flow.step(), 'send a code');
        const retryAfterMs = challenge.retryAfterMs(Date.now());
        if (retryAfterMs > 0) {
          throw ApplicationFailure.create({ type: FailureType.Throttled, message: 'code requested too soon', details: [retryAfterMs] });
        }
      },
    },
  );

  setHandler(
    flow.updates.verifyCode,
    ({ codeHmac }) => {
      const verdict = challenge.verify(Date.now(), (expected) => hmacEquals(expected, codeHmac));
      flow.onVerdict(verdict);
      return { verdict, attemptsLeft: challenge.state(Date.now()).attemptsLeft, status: flow.status() };
    },
    {
      validator: (args) => {
        parse(VerifyCodeArgs, args);
        if (!flow.canVerifyCode() || !challenge.hasCode) throw invalidStep(flow.step(), 'verify a code');
      },
    },
  );

  return challenge;
}
