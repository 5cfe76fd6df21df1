// A merge that goes all the way, and the FlowStep search attribute that follows it.
import { countSentEmails } from '../../db/queries/emailOutbox';
import { listAuditForSubject } from '../../db/queries/audit';
import { loadProfileSnapshot } from '../../db/queries/profiles';
import type { MergeStep } from '../../workflows/shared/mergeContract';
import { PROFILE_ID } from '../../workflows/shared/searchAttributes';
import { mergeSuite } from '../helpers/mergeHarness';
import { eventually } from '../helpers/waiting';

const { stack, startMerge, completionMailsTo } = mergeSuite();

describe('happy path', () => {
  test('code, confirmation, merge applied once, one completion email', async () => {
    const m = await startMerge({
      me: { displayName: 'Ada Lovelace', points: 10 },
      other: { displayName: 'Ada King', jobTitle: 'Analyst', points: 5 },
    });
    expect(await m.status()).toMatchObject({ step: 'awaiting_email_choice', attemptsLeft: 5, codesSent: 0 });
    const sent = await m.requestCode();
    expect(sent.codeExpiresAt).toBeGreaterThan(Date.now());
    expect(await m.status()).toMatchObject({ step: 'awaiting_code', codesSent: 1 });
    expect(await m.verify(await m.code(1))).toMatchObject({ verdict: 'verified', attemptsLeft: 5 });
    expect(await m.status()).toMatchObject({ step: 'awaiting_confirmation' });

    expect(await m.confirm()).toMatchObject({ step: 'completed' });
    expect(await m.handle.result()).toEqual({ outcome: 'completed' });

    expect(await m.record()).toMatchObject({ outcome: 'completed', appliedAt: expect.any(Date), closedAt: expect.any(Date) });
    expect(await loadProfileSnapshot(stack.sql, m.other.profileId)).toBeUndefined();
    const survivor = await loadProfileSnapshot(stack.sql, m.me.profileId);
    expect(survivor).toMatchObject({ displayName: 'Ada Lovelace', jobTitle: 'Analyst', points: 15 });
    expect(survivor!.accountIds.sort()).toEqual([...m.me.accountIds, ...m.other.accountIds].sort());
    const audit = await listAuditForSubject(stack.sql, 'profile', m.me.profileId);
    expect(audit.filter((e) => e.action === 'profile.merged')).toEqual([
      expect.objectContaining({ actorAccountId: m.me.accountIds[0], details: expect.objectContaining({ mergeId: m.mergeId }) }),
    ]);

    expect(completionMailsTo(m.me.emails[0]!)).toHaveLength(1);
    expect(await countSentEmails(stack.sql, `merge/${m.mergeId}/completed`)).toBe(1);
    expect(await m.status()).toMatchObject({ step: 'completed', failureReason: null });
  });
});

describe('FlowStep search attribute', () => {
  test('follows the step, with the profile id alongside', async () => {
    const m = await startMerge();
    const expectStep = (step: MergeStep) => eventually(async () => expect(await m.flowStep()).toBe(step));
    await expectStep('awaiting_email_choice');
    expect((await m.handle.describe()).typedSearchAttributes.get(PROFILE_ID)).toBe(m.me.profileId);
    await m.requestCode();
    await expectStep('awaiting_code');
    await m.verify(await m.code(1));
    await expectStep('awaiting_confirmation');
    await m.cancel();
    await m.handle.result();
    await expectStep('cancelled');
  });
});
