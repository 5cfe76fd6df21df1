import { randomUUID } from 'node:crypto';
import { RuleViolation } from '../../db/errors';
import { listAccountsOfProfile } from '../../db/queries/accounts';
import { appendAudit, listAuditForSubject } from '../../db/queries/audit';
import {
  countAccountsWithoutProfile, countRowsOfProfile, tryDeleteAuditEntries, tryTruncateAuditLog, tryUpdateAuditEntries,
} from '../../db/queries/inspect';
import { closeMergeRecord, findMergeOfProfile, openMergeRecord } from '../../db/queries/profileMerges';
import { applyMerge } from '../../libraries/merges/apply';
import { loadProfileSnapshot } from '../../db/queries/profiles';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createPerson, type Person } from '../helpers/people';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

/** The signed-in profile (target) and the other one (source), overlapping in every kind of community data. */
async function richPair(): Promise<{ me: Person; other: Person }> {
  const me = await createPerson(db.sql, {
    profile: {
      displayName: 'Ada Lovelace', jobTitle: 'Lead Developer', department: null, country: 'GB', about: 'Writes programs.',
      twitterUrl: 'https://twitter.com/ada', linkedinUrl: null, avatarUrl: 'https://avatars.test/ada.png',
      profileEmail: null, recoveryEmail: 'ada.recovery@test.custodian.test',
      points: 1200, credits: 30,
      skills: ['TypeScript', 'Temporal'], industries: ['Finance'],
      achievements: ['first-app', 'mentor'], certifications: ['rapid', 'intermediate'],
      academy: { 'rapid-developer': 100, 'advanced-path': 40 },
    },
  });
  const other = await createPerson(db.sql, {
    accounts: 2,
    profile: {
      displayName: 'Ada King', jobTitle: 'Analyst', department: 'Research', country: 'NL', about: '   ',
      twitterUrl: null, linkedinUrl: 'https://www.linkedin.com/in/ada-king', avatarUrl: null,
      profileEmail: 'ada.king@test.custodian.test', recoveryEmail: 'king.recovery@test.custodian.test',
      points: 300, credits: 5,
      // 'typescript' is the same skill as 'TypeScript' (skills are unique case-insensitively).
      skills: ['Mendix', 'typescript'], industries: ['Healthcare', 'Finance'],
      achievements: ['first-app', 'bug-hunter'], certifications: ['rapid'],
      academy: { 'advanced-path': 75, 'intermediate-path': 20 },
    },
  });
  return { me, other };
}

async function openMerge(me: Person, other: Person): Promise<string> {
  const id = randomUUID();
  await openMergeRecord(db.sql, {
    id, workflowId: `profile-merge/${me.profileId}/${id}`,
    targetProfileId: me.profileId, sourceProfileId: other.profileId, startedByAccountId: me.accountIds[0]!,
  });
  return id;
}

const snapshot = (profileId: string) => loadProfileSnapshot(db.sql, profileId);
const mergedEntries = async (profileId: string) =>
  (await listAuditForSubject(db.sql, 'profile', profileId)).filter((e) => e.action === 'profile.merged');
const sorted = (xs: string[]) => [...xs].sort();

async function expectRule(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(RuleViolation);
  expect((err as RuleViolation).code).toBe(code);
}

describe('applyMerge', () => {
  test('writes the merged profile by the rules and moves every account of the other profile', async () => {
    const { me, other } = await richPair();
    const id = await openMerge(me, other);

    expect(await applyMerge(db.sql, id, me.accountIds[0]!)).toEqual({ alreadyApplied: false, movedAccounts: 2 });

    const merged = await snapshot(me.profileId);
    expect(merged).toMatchObject({
      // Conflicts: the signed-in profile wins.
      displayName: 'Ada Lovelace', jobTitle: 'Lead Developer', country: 'GB', recoveryEmail: 'ada.recovery@test.custodian.test',
      // Blank on the signed-in side only: its value stays; set on one side only: that value is kept.
      about: 'Writes programs.', avatarUrl: 'https://avatars.test/ada.png', twitterUrl: 'https://twitter.com/ada',
      department: 'Research', linkedinUrl: 'https://www.linkedin.com/in/ada-king', profileEmail: 'ada.king@test.custodian.test',
      // Summed.
      points: 1500, credits: 35,
      // Per course, the higher progress.
      academyProgress: { 'rapid-developer': 100, 'advanced-path': 75, 'intermediate-path': 20 },
    });
    // Unions, without duplicates.
    expect(sorted(merged!.skills)).toEqual(['Mendix', 'Temporal', 'TypeScript']);
    expect(sorted(merged!.industries)).toEqual(['Finance', 'Healthcare']);
    expect(sorted(merged!.achievements)).toEqual(['bug-hunter', 'first-app', 'mentor']);
    expect(sorted(merged!.certifications)).toEqual(['intermediate', 'rapid']);
    expect(sorted(merged!.accountIds)).toEqual(sorted([...me.accountIds, ...other.accountIds]));

    const accounts = await listAccountsOfProfile(db.sql, me.profileId);
    expect(sorted(accounts.map((a) => a.email))).toEqual(sorted([...me.emails, ...other.emails]));

    expect(await findMergeOfProfile(db.sql, id, me.profileId)).toMatchObject({
      outcome: 'completed', appliedAt: expect.any(Date), closedAt: expect.any(Date),
    });
    const audit = await mergedEntries(me.profileId);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actorAccountId: me.accountIds[0],
      details: { mergeId: id, removedProfileId: other.profileId, movedAccountIds: expect.arrayContaining(other.accountIds) },
    });
  });

  test('leaves nothing of the removed profile behind and no account without a profile', async () => {
    const { me, other } = await richPair();
    const before = await countRowsOfProfile(db.sql, other.profileId);
    expect(before).toEqual({
      profiles: 1, accounts: 2, profileSkills: 2, profileIndustries: 2, achievements: 2, certifications: 1, academyProgress: 2,
    });

    await applyMerge(db.sql, await openMerge(me, other), me.accountIds[0]!);

    expect(await snapshot(other.profileId)).toBeUndefined();
    expect(await countRowsOfProfile(db.sql, other.profileId)).toEqual({
      profiles: 0, accounts: 0, profileSkills: 0, profileIndustries: 0, achievements: 0, certifications: 0, academyProgress: 0,
    });
    expect(await countAccountsWithoutProfile(db.sql)).toBe(0);
    for (const accountId of other.accountIds) {
      const [moved] = (await listAccountsOfProfile(db.sql, me.profileId)).filter((a) => a.id === accountId);
      expect(moved).toMatchObject({ profileId: me.profileId, status: 'active' });
    }
  });

  test('applying twice applies once: the second call reports alreadyApplied and changes nothing', async () => {
    const { me, other } = await richPair();
    const id = await openMerge(me, other);
    await applyMerge(db.sql, id, me.accountIds[0]!);
    const after = await snapshot(me.profileId);
    const record = await findMergeOfProfile(db.sql, id, me.profileId);

    expect(await applyMerge(db.sql, id, me.accountIds[0]!)).toEqual({ alreadyApplied: true, movedAccounts: 0 });

    expect(await snapshot(me.profileId)).toEqual(after);
    expect(await findMergeOfProfile(db.sql, id, me.profileId)).toEqual(record);
    expect(await mergedEntries(me.profileId)).toHaveLength(1);
  });

  test('two concurrent applies of the same merge apply it once', async () => {
    const { me, other } = await richPair();
    const id = await openMerge(me, other);

    const results = await Promise.all([applyMerge(db.sql, id, me.accountIds[0]!), applyMerge(db.sql, id, me.accountIds[0]!)]);

    expect(results.map((r) => r.alreadyApplied).sort()).toEqual([false, true]);
    expect(results.map((r) => r.movedAccounts).sort()).toEqual([0, 2]);
    expect(await mergedEntries(me.profileId)).toHaveLength(1);
    const merged = await snapshot(me.profileId);
    expect(merged).toMatchObject({ points: 1500, credits: 35 });
    expect(merged!.accountIds).toHaveLength(3);
    expect(await countAccountsWithoutProfile(db.sql)).toBe(0);
  });

  test('a cancelled merge cannot be applied, and nothing changes', async () => {
    const { me, other } = await richPair();
    const id = await openMerge(me, other);
    await closeMergeRecord(db.sql, id, 'cancelled');
    const [meBefore, otherBefore] = [await snapshot(me.profileId), await snapshot(other.profileId)];

    await expectRule(applyMerge(db.sql, id, me.accountIds[0]!), 'merge.closed');

    expect(await snapshot(me.profileId)).toEqual(meBefore);
    expect(await snapshot(other.profileId)).toEqual(otherBefore);
    expect(await findMergeOfProfile(db.sql, id, me.profileId)).toMatchObject({ outcome: 'cancelled', appliedAt: null });
    expect(await mergedEntries(me.profileId)).toEqual([]);
  });

  test('a merge whose other profile is gone fails with merge.profile_gone, and nothing changes', async () => {
    const { me, other } = await richPair();
    // The other profile is merged away elsewhere first; the record has no foreign key to it by design.
    const third = await createPerson(db.sql, { profile: { points: 7 } });
    await applyMerge(db.sql, await openMerge(third, other), third.accountIds[0]!);
    const id = await openMerge(me, other);
    const [meBefore, thirdBefore] = [await snapshot(me.profileId), await snapshot(third.profileId)];

    await expectRule(applyMerge(db.sql, id, me.accountIds[0]!), 'merge.profile_gone');

    expect(await snapshot(me.profileId)).toEqual(meBefore);
    expect(await snapshot(third.profileId)).toEqual(thirdBefore);
    // Rolled back: the record is neither applied nor closed, so the workflow decides its outcome.
    expect(await findMergeOfProfile(db.sql, id, me.profileId)).toMatchObject({ appliedAt: null, closedAt: null, outcome: null });
    expect(await mergedEntries(me.profileId)).toEqual([]);
  });

  test('an unknown merge id fails with merge.not_found', async () => {
    const { me } = await richPair();
    await expectRule(applyMerge(db.sql, randomUUID(), me.accountIds[0]!), 'merge.not_found');
  });
});

describe('audit_log', () => {
  test('is append-only: updates, deletes and truncation are refused and the entries stay', async () => {
    const subjectId = randomUUID();
    await appendAudit(db.sql, { actorAccountId: null, action: 'test.appended', subjectType: 'test', subjectId, details: { n: 1 } });
    const before = await listAuditForSubject(db.sql, 'test', subjectId);
    expect(before).toHaveLength(1);

    const refused = { message: 'audit_log is append-only', code: 'P0001', constraint_name: 'audit_log__append_only' };
    await expect(tryUpdateAuditEntries(db.sql, 'test', subjectId)).rejects.toMatchObject(refused);
    await expect(tryDeleteAuditEntries(db.sql, 'test', subjectId)).rejects.toMatchObject(refused);
    await expect(tryTruncateAuditLog(db.sql)).rejects.toMatchObject(refused);

    expect(await listAuditForSubject(db.sql, 'test', subjectId)).toEqual(before);
  });
});
