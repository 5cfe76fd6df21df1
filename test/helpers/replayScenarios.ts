// The runs recorded as committed histories (test/fixtures/histories/<workflowType>/v<N>-<branch>.json):
// one scenario per branch of each workflow, what its history must show, and the workflow versions.
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { openMergeRecord } from '../../db/queries/profileMerges';
import { listEmailOptions } from '../../db/queries/profiles';
import { startMergeWorkflow, type MergeHandle } from '../../libraries/merges/workflow';
import { codeHmac } from '../../lib/verificationCode';
import { DEFAULT_CHALLENGE_POLICY, type ChallengePolicy } from '../../workflows/shared/codeChallenge';
import { FailureType } from '../../workflows/shared/failures';
import { workflowIds } from '../../workflows/shared/ids';
import { cancelMergeUpdate, confirmMergeUpdate, mergeCodeUpdates } from '../../workflows/shared/mergeContract';
import { codeFromMail } from './mailSink';
import { CREATE_ACCOUNT_SCENARIOS } from './replay/createAccountScenarios';
import { DELETE_ACCOUNT_SCENARIOS } from './replay/deleteAccountScenarios';
import { PASSWORD_EXPIRY_SCENARIOS } from './replay/passwordExpiryScenarios';
import { RESET_PASSWORD_SCENARIOS } from './replay/resetPasswordScenarios';
import { TOKEN_EXPIRY_SCENARIOS } from './replay/tokenExpiryScenarios';
import { VERIFY_RECOVERY_EMAIL_SCENARIOS } from './replay/verifyRecoveryEmailScenarios';
import { MEMBER_INVITATION_SCENARIOS } from './replay/memberInvitationScenarios';
import { OFFBOARDING_SCENARIOS } from './replay/offboardingScenarios';
import { THROUGHPUT_PROBE_SCENARIOS } from './replay/throughputProbeScenarios';
import { LONG, wrong } from './mergeHarness';
import { createPerson } from './people';
import { historyShape, type HistoryJson, type HistoryShape } from './replayFixtures';
import type { TestStack } from './stack';
import { eventually, sleep } from './waiting';

/**
 * The version of each workflow's current code: the `N` of the `v<N>-<branch>.json` the recorder writes.
 * Raise it with every change that needs `patched()` (README "Tests"), then record.
 */
export const CURRENT_VERSIONS: Record<string, number> = {
  mergeProfile: 2,
  createAccount: 1,
  deleteAccount: 1,
  passwordExpirySweep: 1,
  tokenExpirySweep: 1,
  resetPassword: 1,
  verifyRecoveryEmail: 1,
  memberInvitation: 1,
  offboardPerson: 2,
  offboardingBatch: 1,
  throughputProbe: 1,
};

export interface Recording {
  handle: Pick<WorkflowHandle, 'fetchHistory'>;
  /** Codes, addresses and names the run used: none may appear anywhere in its history. */
  secrets: string[];
}

export interface Scenario {
  workflowType: string;
  /** kebab case: the file name's `<branch>`. */
  branch: string;
  /** Drives one run of the branch on `stack`, asserting what the user sees, and hands back the run. */
  record(stack: TestStack): Promise<Recording>;
  /** What a history of this branch shows, whatever its version: checked on recording and on every fixture. */
  covers(history: HistoryShape): void;
}

const DAY_MS = 24 * 3_600_000;

/** Two fresh persons and an open merge of `other` into `me`, started as api/mergeService.ts does. */
async function openMerge(stack: TestStack, { ttlMs = DAY_MS, challenge = LONG }: { ttlMs?: number; challenge?: ChallengePolicy } = {}) {
  const me = await createPerson(stack.sql);
  const other = await createPerson(stack.sql);
  const mergeId = randomUUID();
  const workflowId = workflowIds.profileMerge({ sourceProfileId: other.profileId, mergeId });
  await openMergeRecord(stack.sql, {
    id: mergeId, workflowId, targetProfileId: me.profileId, sourceProfileId: other.profileId, startedByAccountId: me.accountIds[0]!,
  });
  const handle = await startMergeWorkflow(stack.client, stack.taskQueue, {
    mergeId, targetProfileId: me.profileId, sourceProfileId: other.profileId, accountId: me.accountIds[0]!, ttlMs, challenge,
  });
  const [option] = await listEmailOptions(stack.sql, other.profileId);
  const codes: string[] = [];
  return {
    me, other, mergeId, handle,
    /** Sends the (only) code of this merge and reads it from the mail. */
    async requestCode(): Promise<string> {
      await handle.executeUpdate(mergeCodeUpdates.requestCode, { args: [{ emailOptionId: option!.id }] });
      const code = codeFromMail(await stack.mail.waitFor((m) => m.to.includes(other.emails[0]!)));
      codes.push(code, wrong(code));
      return code;
    },
    verify: (code: string) =>
      handle.executeUpdate(mergeCodeUpdates.verifyCode, { args: [{ codeHmac: codeHmac(stack.config.keys.codeHmac, workflowId, code) }] }),
    confirm: () => handle.executeUpdate(confirmMergeUpdate),
    cancel: () => handle.executeUpdate(cancelMergeUpdate),
    recording: (): Recording => ({
      handle,
      secrets: [...codes, ...me.emails, ...other.emails, ...[me, other].map((p) => `Person ${p.profileId.slice(0, 8)}`)],
    }),
  };
}

async function failureOf(handle: MergeHandle): Promise<ApplicationFailure> {
  const err = await handle.result().then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect((err as WorkflowFailedError).cause).toBeInstanceOf(ApplicationFailure);
  return (err as WorkflowFailedError).cause as ApplicationFailure;
}

const mergeProfile = (branch: string, s: Omit<Scenario, 'workflowType' | 'branch'>): Scenario => ({ workflowType: 'mergeProfile', branch, ...s });

export const SCENARIOS: Scenario[] = [
  mergeProfile('happy-path', {
    async record(stack) {
      const m = await openMerge(stack, { challenge: DEFAULT_CHALLENGE_POLICY });
      const code = await m.requestCode();
      expect(await m.verify(wrong(code))).toMatchObject({ verdict: 'wrong' });
      expect(await m.verify(code)).toMatchObject({ verdict: 'verified' });
      expect(await m.confirm()).toMatchObject({ step: 'completed' });
      expect(await m.handle.result()).toEqual({ outcome: 'completed' });
      return m.recording();
    },
    covers(h) {
      expect(h.result).toEqual({ outcome: 'completed' });
      expect(h.count('WORKFLOW_EXECUTION_UPDATE_COMPLETED')).toBe(4); // requestCode, wrong, right, confirm
      expect(h.payloads).toContain('"verdict":"wrong"');
      expect(h.payloads).toContain('"verdict":"verified"');
      expect(h.localActivity('applyProfileMerge')).toBeGreaterThan(0);
      expect(h.activities).toContain('sendMergeCompletedEmail');
    },
  }),

  mergeProfile('cancel', {
    async record(stack) {
      const m = await openMerge(stack);
      await m.requestCode();
      expect(await m.cancel()).toMatchObject({ step: 'cancelled' });
      expect(await m.handle.result()).toEqual({ outcome: 'cancelled' });
      return m.recording();
    },
    covers(h) {
      expect(h.result).toEqual({ outcome: 'cancelled' });
      expect(h.payloads).toContain('"step":"cancelled"');
      expect(h.indexOf('WORKFLOW_EXECUTION_CANCEL_REQUESTED')).toBe(-1);
      expect(h.localActivity('applyProfileMerge')).toBe(-1);
      expect(h.activities).toEqual(['closeProfileMerge']);
    },
  }),

  mergeProfile('expiry', {
    async record(stack) {
      const m = await openMerge(stack, { ttlMs: 2_000 });
      await m.requestCode();
      expect(await m.handle.result()).toEqual({ outcome: 'expired' });
      return m.recording();
    },
    covers(h) {
      expect(h.result).toEqual({ outcome: 'expired' });
      expect(h.indexOf('TIMER_FIRED')).toBeGreaterThan(0);
      expect(h.localActivity('applyProfileMerge')).toBe(-1);
      expect(h.activities).toEqual(['closeProfileMerge']);
    },
  }),

  mergeProfile('attempts-exhausted', {
    async record(stack) {
      const m = await openMerge(stack, { challenge: LONG });
      const bad = wrong(await m.requestCode());
      for (const attemptsLeft of [4, 3, 2, 1]) expect(await m.verify(bad)).toMatchObject({ verdict: 'wrong', attemptsLeft });
      expect(await m.verify(bad)).toMatchObject({ verdict: 'exhausted', attemptsLeft: 0 });
      expect((await failureOf(m.handle)).type).toBe(FailureType.AttemptsExhausted);
      return m.recording();
    },
    covers(h) {
      expect(h.closedAs).toBe('FAILED');
      expect(h.failureType).toBe(FailureType.AttemptsExhausted);
      expect(h.payloads).toContain('"verdict":"exhausted"');
      expect(h.activities).toEqual(['closeProfileMerge']);
    },
  }),

  mergeProfile('apply-failed', {
    async record(stack) {
      const m = await openMerge(stack);
      expect(await m.verify(await m.requestCode())).toMatchObject({ verdict: 'verified' });
      // The source profile disappears between verification and confirmation (erased by an operator, say).
      await stack.sql`delete from accounts where profile_id = ${m.other.profileId}`;
      await stack.sql`delete from profiles where id = ${m.other.profileId}`;
      expect(await m.confirm()).toMatchObject({ step: 'failed', status: { failureReason: FailureType.ProfileGone } });
      expect((await failureOf(m.handle)).type).toBe(FailureType.ProfileGone);
      return m.recording();
    },
    covers(h) {
      expect(h.closedAs).toBe('FAILED');
      expect(h.failureType).toBe(FailureType.ProfileGone);
      expect(h.localActivity('applyProfileMerge')).toBeGreaterThan(0);
      expect(h.payloads).toContain('"step":"failed"');
      expect(h.activities).toEqual(['closeProfileMerge']);
    },
  }),

  mergeProfile('operator-cancel', {
    async record(stack) {
      const m = await openMerge(stack);
      await m.requestCode();
      await m.handle.cancel(); // workflow cancellation, as from the Temporal UI: not the cancel Update
      expect(await m.handle.result()).toEqual({ outcome: 'cancelled' });
      return m.recording();
    },
    covers(h) {
      expect(h.indexOf('WORKFLOW_EXECUTION_CANCEL_REQUESTED')).toBeGreaterThan(0);
      expect(h.result).toEqual({ outcome: 'cancelled' });
      expect(h.localActivity('applyProfileMerge')).toBe(-1);
      expect(h.activities).toEqual(['closeProfileMerge']);
    },
  }),

  mergeProfile('operator-cancel-while-applying', {
    async record(stack) {
      const m = await openMerge(stack);
      expect(await m.verify(await m.requestCode())).toMatchObject({ verdict: 'verified' });
      // Hold the merge row so the apply waits on its lock, and cancel the run while it does.
      let release!: () => void;
      const released = new Promise<void>((resolve) => { release = resolve; });
      let locked!: () => void;
      const holding = new Promise<void>((resolve) => { locked = resolve; });
      const holder = stack.sql.begin(async (tx) => {
        await tx`select id from profile_merges where id = ${m.mergeId} for update`;
        locked();
        await released;
      });
      try {
        await holding;
        const confirmed = m.confirm();
        void confirmed.catch(() => undefined); // awaited below; a failure before that must not go unhandled
        await eventually(async () => {
          const [w] = await stack.sql<{ n: number }[]>`
            select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`;
          if (!w || w.n === 0) throw new Error('the apply is not waiting on the merge row yet');
        });
        await m.handle.cancel();
        // The cancel reaches the workflow at the workflow task's next heartbeat (80% of its 10 s timeout),
        // while the local activity still waits.
        await eventually(async () => {
          const { types } = historyShape(JSON.parse(historyToJSON(await m.handle.fetchHistory())) as HistoryJson);
          const cancelAt = types.indexOf('EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED');
          if (cancelAt < 0 || !types.slice(cancelAt).includes('EVENT_TYPE_WORKFLOW_TASK_STARTED')) {
            throw new Error('the cancel request has not reached the workflow yet');
          }
        }, 30_000);
        await sleep(500);
        release();
        await holder;
        expect(await confirmed).toMatchObject({ step: 'completed' });
      } finally {
        release();
        await holder;
      }
      // The apply decides: it committed, so the run completed despite the operator's cancel.
      expect(await m.handle.result()).toEqual({ outcome: 'completed' });
      return m.recording();
    },
    covers(h) {
      // Replay takes the cancelled branch with the apply in flight: the request precedes the apply's result.
      expect(h.indexOf('WORKFLOW_EXECUTION_CANCEL_REQUESTED')).toBeGreaterThan(0);
      expect(h.indexOf('WORKFLOW_EXECUTION_CANCEL_REQUESTED')).toBeLessThan(h.localActivity('applyProfileMerge'));
      expect(h.result).toEqual({ outcome: 'completed' });
      expect(h.activities).toEqual(['sendMergeCompletedEmail']);
    },
  }),
  ...PASSWORD_EXPIRY_SCENARIOS,
  ...TOKEN_EXPIRY_SCENARIOS,
  ...RESET_PASSWORD_SCENARIOS,
  ...DELETE_ACCOUNT_SCENARIOS,
  ...CREATE_ACCOUNT_SCENARIOS,
  ...VERIFY_RECOVERY_EMAIL_SCENARIOS,
  ...MEMBER_INVITATION_SCENARIOS,
  ...OFFBOARDING_SCENARIOS,
  ...THROUGHPUT_PROBE_SCENARIOS,
];

/** The scenario a committed history of `workflowType` and `branch` is checked against, if there is one. */
export const scenarioOf = (workflowType: string, branch: string) =>
  SCENARIOS.find((s) => s.workflowType === workflowType && s.branch === branch);
