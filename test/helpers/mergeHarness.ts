import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { startMergeWorkflow } from '../../libraries/merges/workflow';
import { listAccountsOfProfile } from '../../db/queries/accounts';
import { listAuditForSubject } from '../../db/queries/audit';
import { findMergeOfProfile, openMergeRecord } from '../../db/queries/profileMerges';
import { listEmailOptions, loadProfileSnapshot } from '../../db/queries/profiles';
import type { ProfileSeed } from '../../db/queries/people';
import { codeHmac } from '../../lib/verificationCode';
import type { mergeProfile } from '../../workflows/mergeProfile';
import { cancelMergeUpdate, confirmMergeUpdate, mergeCodeUpdates, mergeStatusQuery } from '../../workflows/shared/mergeContract';
import type { ChallengePolicy } from '../../workflows/shared/codeChallenge';
import { workflowIds } from '../../workflows/shared/ids';
import { FLOW_STEP } from '../../workflows/shared/searchAttributes';
import { codeFromMail } from './mailSink';
import { createPerson, type Person } from './people';
import { suiteStack } from './suiteStack';
import { eventually } from './waiting';

export const LONG: ChallengePolicy = { codeTtlMs: 60_000, resendIntervalMs: 60_000, maxAttempts: 5 };

/** A code that is certainly not `code`. */
export const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

/** A stack for the calling suite that drives merge workflows directly (no HTTP), and the helpers to do it. */
export function mergeSuite() {
  const started: WorkflowHandle<typeof mergeProfile>[] = [];
  // Leave nothing running on the shared dev server: terminate whatever a test left open.
  const stack = suiteStack({}, () => Promise.allSettled(started.map((h) => h.terminate('test suite finished'))));

  /** Two fresh persons and an open merge of `other` into `me`, started exactly as api/mergeService.ts does. */
  async function startMerge(
    { ttlMs = 120_000, challenge = LONG, me: meSeed, other: otherSeed }:
    { ttlMs?: number; challenge?: ChallengePolicy; me?: Partial<ProfileSeed>; other?: Partial<ProfileSeed> } = {},
  ) {
    const me = await createPerson(stack.sql, { profile: meSeed });
    const other = await createPerson(stack.sql, { profile: otherSeed });
    const mergeId = randomUUID();
    const workflowId = workflowIds.profileMerge({ sourceProfileId: other.profileId, mergeId });
    await openMergeRecord(stack.sql, {
      id: mergeId, workflowId, targetProfileId: me.profileId, sourceProfileId: other.profileId, startedByAccountId: me.accountIds[0]!,
    });
    const handle = await startMergeWorkflow(stack.client, stack.taskQueue, {
      mergeId, targetProfileId: me.profileId, sourceProfileId: other.profileId, accountId: me.accountIds[0]!, ttlMs, challenge,
    });
    started.push(handle);
    const [option] = await listEmailOptions(stack.sql, other.profileId);
    const otherEmail = other.emails[0]!;
    const codeMails = () => stack.mail.messages.filter((m) => m.to.includes(otherEmail) && /verification code/.test(m.subject));

    return {
      me, other, mergeId, workflowId, handle,
      requestCode: (emailOptionId = option!.id) => handle.executeUpdate(mergeCodeUpdates.requestCode, { args: [{ emailOptionId }] }),
      /** The code of the n-th (1-based) verification mail sent to the other profile. */
      code: (n: number) => eventually(() => {
        const mail = codeMails()[n - 1];
        if (!mail) throw new Error(`verification mail #${n} has not arrived`);
        return codeFromMail(mail);
      }),
      codeMailCount: () => codeMails().length,
      verify: (code: string) => handle.executeUpdate(mergeCodeUpdates.verifyCode, { args: [{ codeHmac: codeHmac(stack.config.keys.codeHmac, workflowId, code) }] }),
      confirm: () => handle.executeUpdate(confirmMergeUpdate),
      cancel: () => handle.executeUpdate(cancelMergeUpdate),
      status: () => handle.query(mergeStatusQuery),
      record: async () => (await findMergeOfProfile(stack.sql, mergeId, me.profileId))!,
      flowStep: async () => (await handle.describe()).typedSearchAttributes.get(FLOW_STEP),
    };
  }

  async function expectNothingMerged(me: Person, other: Person): Promise<void> {
    expect(await loadProfileSnapshot(stack.sql, other.profileId)).toBeDefined();
    expect((await listAccountsOfProfile(stack.sql, me.profileId)).map((a) => a.id)).toEqual(me.accountIds);
    expect((await listAccountsOfProfile(stack.sql, other.profileId)).map((a) => a.id)).toEqual(other.accountIds);
    expect((await listAuditForSubject(stack.sql, 'profile', me.profileId)).filter((e) => e.action === 'profile.merged')).toEqual([]);
  }

  const completionMailsTo = (email: string) => stack.mail.messages.filter((m) => m.to.includes(email) && m.subject.includes('merged'));

  return { stack, startMerge, expectNothingMerged, completionMailsTo };
}
export type Merge = Awaited<ReturnType<ReturnType<typeof mergeSuite>['startMerge']>>;

export async function toConfirmation(m: Merge): Promise<void> {
  await m.requestCode();
  expect(await m.verify(await m.code(1))).toMatchObject({ verdict: 'verified', attemptsLeft: 5 });
}
