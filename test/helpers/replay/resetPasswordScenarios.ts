// The password reset's branches as committed histories (test/fixtures/histories/resetPassword/): each run is
// started as the API starts it (signal-with-start), on the real activities, and driven as the API drives it
// (the new password's hash waiting in its pending row, the code's HMAC, the complete Update).
import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { upsertPendingPassword } from '../../../db/queries/passwordResets';
import { hmacHex } from '../../../lib/crypto';
import { hashPassword } from '../../../lib/passwords';
import { codeHmac } from '../../../lib/verificationCode';
import { requestResetWorkflow } from '../../../libraries/passwordResets/workflow';
import type { resetPassword } from '../../../workflows/resetPassword';
import { DEFAULT_CHALLENGE_POLICY, type ChallengePolicy } from '../../../workflows/shared/codeChallenge';
import { FailureType } from '../../../workflows/shared/failures';
import { completeResetUpdateId, workflowIds } from '../../../workflows/shared/ids';
import {
  ResetFailure, completeResetUpdate, resetCodeUpdates, type ResetKind,
} from '../../../workflows/shared/passwordResetContract';
import { codeFromMail } from '../mailSink';
import { LONG, wrong } from '../mergeHarness';
import { createPerson } from '../people';
import type { Recording, Scenario } from '../replayScenarios';
import type { TestStack } from '../stack';
import { sleep } from '../waiting';

const HOUR_MS = 3_600_000;
export const NEW_PASSWORD = 'Replayed-Reset-2026!';

/** A reset run started as the API starts it, for a fresh person's account (or, `unknown`, an address nobody has). */
async function openReset(
  stack: TestStack,
  { kind = 'reset', ttlMs = HOUR_MS, challenge = LONG, sso = false }: { kind?: ResetKind; ttlMs?: number; challenge?: ChallengePolicy; sso?: boolean } = {},
) {
  const person = await createPerson(stack.sql);
  if (sso) await stack.sql`update accounts set sso = true where id = ${person.accountIds[0]!}`;
  const unknownAddress = `nobody-${person.profileId.slice(0, 8)}@test.custodian.test`;
  const accountId = kind === 'decoy' ? null : person.accountIds[0]!;
  const workflowId = accountId
    ? workflowIds.passwordReset({ accountId })
    : workflowIds.passwordResetUnknownAddress(hmacHex(stack.config.keys.addressKey, unknownAddress));
  const request = (expiresAt = Date.now() + ttlMs) => requestResetWorkflow(stack.client, stack.taskQueue, {
    workflowId, profileId: accountId ? person.profileId : null, input: { kind, accountId, expiresAt, challenge }, request: { expiresAt, kind },
  });
  const run = await request();
  const handle: WorkflowHandle<typeof resetPassword> = stack.client.workflow.getHandle(workflowId, run.signaledRunId);
  const email = person.emails[0]!;
  const hash = await hashPassword(NEW_PASSWORD);
  const codes: string[] = [];
  const hmacOf = (code: string) => codeHmac(stack.config.keys.codeHmac, workflowId, code);
  const codeMails = () => stack.mail.messages.filter((m) => m.to.includes(email) && /verification code/.test(m.subject));
  return {
    person, handle, request,
    /** The code of the n-th (1-based) code email. */
    async code(n = 1): Promise<string> {
      const mail = await stack.mail.waitFor(() => codeMails().length >= n).then(() => codeMails()[n - 1]!);
      const code = codeFromMail(mail);
      codes.push(code, wrong(code));
      return code;
    },
    /** Submits a code as the API does: the new password's hash waits under the code's HMAC, then the kit's verifyCode. */
    async verify(code: string) {
      await upsertPendingPassword(stack.sql, {
        runId: run.signaledRunId, codeHmac: hmacOf(code), accountId, passwordHash: hash, expiresAt: new Date(Date.now() + HOUR_MS),
      });
      return handle.executeUpdate(resetCodeUpdates.verifyCode, { args: [{ codeHmac: hmacOf(code) }] });
    },
    complete: (code: string) =>
      handle.executeUpdate(completeResetUpdate, { updateId: completeResetUpdateId(hmacOf(code)), args: [{ codeHmac: hmacOf(code) }] }),
    recording: (): Recording => ({
      handle,
      secrets: [...codes, email, unknownAddress, NEW_PASSWORD, hash, `Person ${person.profileId.slice(0, 8)}`],
    }),
  };
}

async function failureOf(handle: WorkflowHandle): Promise<ApplicationFailure> {
  const err = await handle.result().then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect((err as WorkflowFailedError).cause).toBeInstanceOf(ApplicationFailure);
  return (err as WorkflowFailedError).cause as ApplicationFailure;
}

const resetPasswordScenario = (branch: string, s: Omit<Scenario, 'workflowType' | 'branch'>): Scenario =>
  ({ workflowType: 'resetPassword', branch, ...s });

export const RESET_PASSWORD_SCENARIOS: Scenario[] = [
  resetPasswordScenario('happy-path', {
    async record(stack) {
      const r = await openReset(stack, { challenge: DEFAULT_CHALLENGE_POLICY });
      const code = await r.code();
      expect(await r.verify(wrong(code))).toMatchObject({ verdict: 'wrong' });
      expect(await r.verify(code)).toMatchObject({ verdict: 'verified' });
      expect(await r.complete(code)).toMatchObject({ step: 'completed' });
      expect(await r.handle.result()).toEqual({ outcome: 'completed' });
      return r.recording();
    },
    covers(h) {
      expect(h.result).toEqual({ outcome: 'completed' });
      expect(h.count('WORKFLOW_EXECUTION_SIGNALED')).toBe(1);
      expect(h.payloads).toContain('"verdict":"wrong"');
      expect(h.payloads).toContain('"verdict":"verified"');
      expect(h.activities).toEqual(['sendVerificationCode', 'applyPasswordReset', 'closePasswordReset', 'sendPasswordChangedEmail']);
    },
  }),

  resetPasswordScenario('resend', {
    async record(stack) {
      const r = await openReset(stack, { challenge: { ...LONG, resendIntervalMs: 1_000 } });
      const first = await r.code(1);
      await r.request(); // within the interval: only the deadline moves
      await sleep(1_200);
      await r.request();
      const second = await r.code(2);
      expect(await r.verify(first)).toMatchObject({ verdict: 'wrong' });
      expect(await r.verify(second)).toMatchObject({ verdict: 'verified' });
      expect(await r.complete(second)).toMatchObject({ step: 'completed' });
      expect(await r.handle.result()).toEqual({ outcome: 'completed' });
      return r.recording();
    },
    covers(h) {
      expect(h.result).toEqual({ outcome: 'completed' });
      expect(h.count('WORKFLOW_EXECUTION_SIGNALED')).toBe(3);
      expect(h.activities.filter((a) => a === 'sendVerificationCode')).toHaveLength(2);
      expect(h.activities).toContain('applyPasswordReset');
    },
  }),

  resetPasswordScenario('expiry', {
    async record(stack) {
      const r = await openReset(stack, { ttlMs: 2_000 });
      await r.code();
      expect(await r.handle.result()).toEqual({ outcome: 'expired' });
      return r.recording();
    },
    covers(h) {
      expect(h.result).toEqual({ outcome: 'expired' });
      expect(h.indexOf('TIMER_FIRED')).toBeGreaterThan(0);
      expect(h.activities).toEqual(['sendVerificationCode', 'closePasswordReset']);
    },
  }),

  resetPasswordScenario('attempts-exhausted', {
    async record(stack) {
      const r = await openReset(stack);
      const bad = wrong(await r.code());
      for (const attemptsLeft of [4, 3, 2, 1]) expect(await r.verify(bad)).toMatchObject({ verdict: 'wrong', attemptsLeft });
      expect(await r.verify(bad)).toMatchObject({ verdict: 'exhausted', attemptsLeft: 0 });
      expect((await failureOf(r.handle)).type).toBe(FailureType.AttemptsExhausted);
      return r.recording();
    },
    covers(h) {
      expect(h.closedAs).toBe('FAILED');
      expect(h.failureType).toBe(FailureType.AttemptsExhausted);
      expect(h.payloads).toContain('"verdict":"exhausted"');
      expect(h.activities).toEqual(['sendVerificationCode', 'closePasswordReset']);
    },
  }),

  resetPasswordScenario('decoy', {
    async record(stack) {
      const r = await openReset(stack, { kind: 'decoy', ttlMs: 2_000 });
      expect(await r.verify('123456')).toMatchObject({ verdict: 'wrong', attemptsLeft: LONG.maxAttempts - 1 });
      expect(await r.handle.result()).toEqual({ outcome: 'expired' });
      return r.recording();
    },
    covers(h) {
      expect(h.result).toEqual({ outcome: 'expired' });
      expect(h.payloads).toContain('"verdict":"wrong"');
      expect(h.payloads).toContain('"kind":"decoy"');
      expect(h.activities).toEqual(['closePasswordReset']);
    },
  }),

  resetPasswordScenario('sso-notice', {
    async record(stack) {
      const r = await openReset(stack, { kind: 'sso-notice', sso: true, ttlMs: 2_000 });
      await stack.mail.waitFor((m) => m.to.includes(r.person.emails[0]!) && /identity provider|managed by your company/.test(m.subject));
      expect(await r.verify('123456')).toMatchObject({ verdict: 'wrong' });
      expect(await r.handle.result()).toEqual({ outcome: 'expired' });
      return r.recording();
    },
    covers(h) {
      expect(h.result).toEqual({ outcome: 'expired' });
      expect(h.activities).toEqual(['sendPasswordResetSsoNotice', 'closePasswordReset']);
    },
  }),

  resetPasswordScenario('apply-failed', {
    async record(stack) {
      const r = await openReset(stack);
      const code = await r.code();
      // The account is deactivated between the email and the code.
      await stack.sql`update accounts set status = 'deactivated', deactivated_at = now() where id = ${r.person.accountIds[0]!}`;
      expect(await r.verify(code)).toMatchObject({ verdict: 'verified' });
      expect(await r.complete(code)).toMatchObject({ step: 'failed', status: { failureReason: ResetFailure.AccountUnavailable } });
      expect((await failureOf(r.handle)).type).toBe(ResetFailure.AccountUnavailable);
      return r.recording();
    },
    covers(h) {
      expect(h.closedAs).toBe('FAILED');
      expect(h.failureType).toBe(ResetFailure.AccountUnavailable);
      expect(h.activities).toEqual(['sendVerificationCode', 'applyPasswordReset', 'closePasswordReset']);
    },
  }),

  resetPasswordScenario('operator-cancel', {
    async record(stack) {
      const r = await openReset(stack);
      await r.code();
      await r.handle.cancel();
      expect(await r.handle.result()).toEqual({ outcome: 'cancelled' });
      return r.recording();
    },
    covers(h) {
      expect(h.indexOf('WORKFLOW_EXECUTION_CANCEL_REQUESTED')).toBeGreaterThan(0);
      expect(h.result).toEqual({ outcome: 'cancelled' });
      expect(h.activities).toEqual(['sendVerificationCode', 'closePasswordReset']);
    },
  }),
];
