// The memberInvitation workflow's branches as committed histories (test/fixtures/histories/memberInvitation/): each
// member is created, and its invitation resent, revoked and accepted, through the business layer the API calls
// (libraries/memberOnboarding), on the real activities, with durations chosen per branch.
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { Actor } from '../../../libraries/companyAccess';
import { createMemberOnboarding } from '../../../libraries/memberOnboarding/service';
import { sessionPrincipal } from '../../../libraries/principal';
import { createCodeFlows } from '../../../libraries/verification';
import { FailureType } from '../../../workflows/shared/failures';
import { workflowIds } from '../../../workflows/shared/ids';
import type { memberInvitation } from '../../../workflows/memberInvitation';
import { createCompany } from '../company';
import { MEMBER_PASSWORD, invitationCode, newEmail } from '../memberOnboarding';
import { wrong } from '../mergeHarness';
import type { Recording, Scenario } from '../replayScenarios';
import type { TestStack } from '../stack';
import { sleep } from '../waiting';

const DAY_MS = 86_400_000;

/** A company's admin creating one member, with this invitation lifetime and resend interval. */
async function invite(stack: TestStack, { ttlMs = DAY_MS, resendIntervalMs = 60_000 }: { ttlMs?: number; resendIntervalMs?: number } = {}) {
  const company = await createCompany(stack);
  const codeFlows = createCodeFlows({ sql: stack.sql, temporal: stack.client, keys: stack.config.keys, deadlineMs: 10_000 });
  const onboarding = createMemberOnboarding({
    sql: stack.sql, temporal: stack.client, codeFlows, keys: stack.config.keys, settings: { taskQueue: stack.taskQueue, ttlMs, resendIntervalMs },
  });
  const admin = company.admin;
  const actor: Actor = {
    principal: sessionPrincipal(randomUUID(), {
      accountId: admin.accountId, profileId: admin.person.profileId, companyId: company.companyId, isCompanyAdmin: true, isServiceAccount: false,
    }, false),
    ip: null, requestId: null,
  };
  const email = newEmail('replay');
  const name = `Invitee ${randomUUID().slice(0, 8)}`;
  const created = await onboarding.members.create(actor, company.companyId, { email, name, jobTitle: 'Navigator', country: 'NO' });
  const invitationId = created.invitation.id;
  const handle: WorkflowHandle<typeof memberInvitation> = stack.client.workflow.getHandle(workflowIds.memberInvitation({ invitationId }));
  const mails = () => stack.mail.messages.filter((m) => m.to.includes(email));
  const codes: string[] = [];
  return {
    handle, onboarding,
    /** The code of the n-th (1-based) invitation email. */
    async code(n = 1): Promise<string> {
      await stack.mail.waitFor(() => mails().length >= n);
      const code = invitationCode(mails()[n - 1]!);
      codes.push(code, wrong(code));
      return code;
    },
    accept: (code: string) => onboarding.acceptance.accept(invitationId, code, MEMBER_PASSWORD, '127.0.0.1'),
    resend: () => onboarding.invitations.resend(actor, company.companyId, invitationId),
    revoke: () => onboarding.invitations.revoke(actor, company.companyId, invitationId),
    recording: (): Recording => ({ handle, secrets: [...codes, email, name, MEMBER_PASSWORD, admin.email] }),
  };
}

/** The refusal an acceptance with a wrong code gets. */
const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as { code?: string });

const scenario = (branch: string, s: Omit<Scenario, 'workflowType' | 'branch'>): Scenario => ({ workflowType: 'memberInvitation', branch, ...s });

export const MEMBER_INVITATION_SCENARIOS: Scenario[] = [
  scenario('accepted', {
    async record(stack) {
      const r = await invite(stack);
      const code = await r.code();
      expect(await refusal(r.accept(wrong(code)))).toMatchObject({ code: 'verification_code.invalid' });
      expect(await r.accept(code)).toMatchObject({ status: 'accepted' });
      expect(await r.handle.result()).toEqual({ outcome: 'accepted' });
      return r.recording();
    },
    covers(h) {
      expect(h.result).toEqual({ outcome: 'accepted' });
      expect(h.payloads).toContain('"verdict":"wrong"');
      expect(h.payloads).toContain('"verdict":"verified"');
      expect(h.localActivity('passwordResetCodeHmac')).toBeGreaterThan(0);
      expect(h.activities).toEqual(['openMemberInvitation', 'sendVerificationCode', 'applyInvitationAcceptance', 'closeMemberInvitation']);
    },
  }),

  scenario('resent', {
    async record(stack) {
      const r = await invite(stack, { resendIntervalMs: 1_000 });
      const first = await r.code(1);
      await sleep(1_100);
      expect(await r.resend()).toMatchObject({ status: 'pending', resendsLeft: 4 });
      const second = await r.code(2);
      if (first !== second) expect(await refusal(r.accept(first))).toMatchObject({ code: 'verification_code.invalid' });
      expect(await r.accept(second)).toMatchObject({ status: 'accepted' });
      expect(await r.handle.result()).toEqual({ outcome: 'accepted' });
      return r.recording();
    },
    covers(h) {
      expect(h.result).toEqual({ outcome: 'accepted' });
      // The resend is the kit's requestCode Update, its email a local activity.
      expect(h.localActivity('sendVerificationCode')).toBeGreaterThan(0);
      expect(h.payloads).toContain('"resendsLeft":4');
      expect(h.activities).toEqual(['openMemberInvitation', 'sendVerificationCode', 'applyInvitationAcceptance', 'closeMemberInvitation']);
    },
  }),

  scenario('revoked', {
    async record(stack) {
      const r = await invite(stack);
      await r.code();
      expect(await r.revoke()).toMatchObject({ status: 'revoked', accountId: null });
      expect(await r.handle.result()).toEqual({ outcome: 'revoked' });
      return r.recording();
    },
    covers(h) {
      expect(h.result).toEqual({ outcome: 'revoked' });
      expect(h.payloads).toContain('"step":"revoked"');
      expect(h.activities).toEqual(['openMemberInvitation', 'sendVerificationCode', 'closeMemberInvitation']);
    },
  }),

  scenario('expired', {
    async record(stack) {
      const r = await invite(stack, { ttlMs: 2_000 });
      await r.code();
      expect(await r.handle.result()).toEqual({ outcome: 'expired' });
      return r.recording();
    },
    covers(h) {
      expect(h.result).toEqual({ outcome: 'expired' });
      expect(h.indexOf('TIMER_FIRED')).toBeGreaterThan(0);
      expect(h.activities).toEqual(['openMemberInvitation', 'sendVerificationCode', 'closeMemberInvitation']);
    },
  }),

  scenario('attempts-exhausted', {
    async record(stack) {
      const r = await invite(stack);
      const bad = wrong(await r.code());
      for (const attemptsLeft of [4, 3, 2, 1]) expect(await refusal(r.accept(bad))).toMatchObject({ code: 'verification_code.invalid', extra: { fields: { attemptsLeft } } });
      expect(await refusal(r.accept(bad))).toMatchObject({ code: 'verification_code.attempts_exhausted' });
      const err = await r.handle.result().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect(((err as WorkflowFailedError).cause as ApplicationFailure).type).toBe(FailureType.AttemptsExhausted);
      return r.recording();
    },
    covers(h) {
      expect(h.closedAs).toBe('FAILED');
      expect(h.failureType).toBe(FailureType.AttemptsExhausted);
      expect(h.payloads).toContain('"verdict":"exhausted"');
      expect(h.activities).toEqual(['openMemberInvitation', 'sendVerificationCode', 'closeMemberInvitation']);
    },
  }),
];
