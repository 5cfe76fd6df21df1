// The verifyRecoveryEmail workflow's branches as committed histories (test/fixtures/histories/verifyRecoveryEmail/):
// each run is opened and started as libraries/recoveryEmail/service.ts does (the request's row, the new address in a
// pending row), on the real activities, and driven as the API drives it.
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { insertRecoveryEmailChange } from '../../../db/queries/recoveryEmailChanges';
import { codeHmac } from '../../../lib/verificationCode';
import { DEFAULT_CHALLENGE_POLICY, type ChallengePolicy } from '../../../workflows/shared/codeChallenge';
import { FailureType } from '../../../workflows/shared/failures';
import { workflowIds } from '../../../workflows/shared/ids';
import {
  cancelRecoveryEmailUpdate, recoveryEmailCodeUpdates, settledRecoveryEmailUpdate,
} from '../../../workflows/shared/recoveryEmailContract';
import type { verifyRecoveryEmail } from '../../../workflows/verifyRecoveryEmail';
import { codeFromMail } from '../mailSink';
import { LONG, wrong } from '../mergeHarness';
import { createPerson } from '../people';
import type { Recording, Scenario } from '../replayScenarios';
import type { TestStack } from '../stack';

async function openChange(stack: TestStack, { ttlMs = 3_600_000, challenge = LONG, old }: { ttlMs?: number; challenge?: ChallengePolicy; old?: string } = {}) {
  const me = await createPerson(stack.sql);
  if (old) await stack.sql`update profiles set recovery_email = ${old} where id = ${me.profileId}`;
  const email = `Recovery-${randomUUID().slice(0, 8)}@private.custodian.test`;
  const changeId = randomUUID();
  const workflowId = workflowIds.recoveryEmail({ profileId: me.profileId, changeId });
  const { pendingAddressId, expiresAt } = await insertRecoveryEmailChange(stack.sql, { id: changeId, profileId: me.profileId, workflowId, address: email, ttlMs });
  const handle: WorkflowHandle<typeof verifyRecoveryEmail> = await stack.client.workflow.start<typeof verifyRecoveryEmail>('verifyRecoveryEmail', {
    workflowId, taskQueue: stack.taskQueue,
    args: [{ profileId: me.profileId, changeId, pendingAddressId, expiresAt: expiresAt.getTime(), challenge }],
  });
  const codes: string[] = [];
  return {
    me, email, handle,
    async requestCode(): Promise<string> {
      await handle.executeUpdate(recoveryEmailCodeUpdates.requestCode, { args: [{}] });
      const code = codeFromMail(await stack.mail.waitFor((m) => m.to.includes(email.toLowerCase()) || m.to.includes(email)));
      codes.push(code, wrong(code));
      return code;
    },
    verify: (code: string) =>
      handle.executeUpdate(recoveryEmailCodeUpdates.verifyCode, { args: [{ codeHmac: codeHmac(stack.config.keys.codeHmac, workflowId, code) }] }),
    settled: () => handle.executeUpdate(settledRecoveryEmailUpdate),
    recording: (): Recording => ({
      handle, secrets: [...codes, email, ...(old ? [old] : []), ...me.emails, `Person ${me.profileId.slice(0, 8)}`],
    }),
  };
}

const scenario = (branch: string, s: Omit<Scenario, 'workflowType' | 'branch'>): Scenario => ({ workflowType: 'verifyRecoveryEmail', branch, ...s });

export const VERIFY_RECOVERY_EMAIL_SCENARIOS: Scenario[] = [
  scenario('happy-path', {
    async record(stack) {
      const old = `old-${randomUUID().slice(0, 8)}@private.custodian.test`;
      const r = await openChange(stack, { challenge: DEFAULT_CHALLENGE_POLICY, old });
      const code = await r.requestCode();
      expect(await r.verify(wrong(code))).toMatchObject({ verdict: 'wrong' });
      expect(await r.verify(code)).toMatchObject({ verdict: 'verified' });
      expect(await r.settled()).toMatchObject({ step: 'completed' });
      expect(await r.handle.result()).toEqual({ outcome: 'completed' });
      await stack.mail.waitFor((m) => m.to.includes(old) && /recovery email was changed/.test(m.subject));
      return r.recording();
    },
    covers(h) {
      expect(h.result).toEqual({ outcome: 'completed' });
      expect(h.payloads).toContain('"verdict":"verified"');
      expect(h.activities).toEqual(['applyRecoveryEmail', 'closeRecoveryEmailChange', 'sendRecoveryEmailChangedNotice']);
    },
  }),

  scenario('attempts-exhausted', {
    async record(stack) {
      const r = await openChange(stack);
      const code = await r.requestCode();
      for (let i = 0; i < LONG.maxAttempts - 1; i++) expect(await r.verify(wrong(code))).toMatchObject({ verdict: 'wrong' });
      expect(await r.verify(wrong(code))).toMatchObject({ verdict: 'exhausted' });
      const err = await r.handle.result().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect(((err as WorkflowFailedError).cause as ApplicationFailure).type).toBe(FailureType.AttemptsExhausted);
      return r.recording();
    },
    covers(h) {
      expect(h.payloads).toContain('"verdict":"exhausted"');
      expect(h.activities).toEqual(['closeRecoveryEmailChange']);
    },
  }),

  scenario('expiry', {
    async record(stack) {
      const r = await openChange(stack, { ttlMs: 2_000 });
      await r.requestCode();
      expect(await r.handle.result()).toEqual({ outcome: 'expired' });
      return r.recording();
    },
    covers(h) {
      expect(h.result).toEqual({ outcome: 'expired' });
      expect(h.activities).toEqual(['closeRecoveryEmailChange']);
    },
  }),

  scenario('cancel', {
    async record(stack) {
      const r = await openChange(stack);
      await r.requestCode();
      expect(await r.handle.executeUpdate(cancelRecoveryEmailUpdate)).toMatchObject({ step: 'cancelled' });
      expect(await r.handle.result()).toEqual({ outcome: 'cancelled' });
      return r.recording();
    },
    covers(h) {
      expect(h.result).toEqual({ outcome: 'cancelled' });
      expect(h.activities).toEqual(['closeRecoveryEmailChange']);
    },
  }),
];
