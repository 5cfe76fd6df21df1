import type { Queryable, Sql } from '../client';
import { RuleViolation } from '../errors';
import { mergeProfiles, mergedScalars, type MergeResult } from '../../workflows/shared/mergeRules';
import { loadProfileSnapshot } from './profiles';
import { appendAudit } from './audit';

export type MergeOutcome = 'completed' | 'cancelled' | 'expired' | 'failed';

export interface MergeRecord {
  id: string;
  workflowId: string;
  targetProfileId: string;
  sourceProfileId: string;
  startedByAccountId: string;
  outcome: MergeOutcome | null;
  createdAt: Date;
  appliedAt: Date | null;
  closedAt: Date | null;
}

/**
 * Records a merge and locks both profiles for it, atomically. Fails with a unique violation
 * (profile_merge_locks__profile_id__pkey) when either profile is already in an open merge.
 */
export async function openMergeRecord(
  sql: Sql,
  m: Pick<MergeRecord, 'id' | 'workflowId' | 'targetProfileId' | 'sourceProfileId' | 'startedByAccountId'>,
): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`
      insert into profile_merges (id, workflow_id, target_profile_id, source_profile_id, started_by_account_id)
      values (${m.id}, ${m.workflowId}, ${m.targetProfileId}, ${m.sourceProfileId}, ${m.startedByAccountId})`;
    await tx`insert into profile_merge_locks (profile_id, merge_id) values (${m.targetProfileId}, ${m.id}), (${m.sourceProfileId}, ${m.id})`;
  });
}

/** A merge as seen by the profile that started it; anyone else gets nothing. */
export async function findMergeOfProfile(sql: Queryable, id: string, targetProfileId: string): Promise<MergeRecord | undefined> {
  const [row] = await sql<MergeRecord[]>`
    select * from profile_merges where id = ${id} and target_profile_id = ${targetProfileId}`;
  return row;
}

export async function findOpenMergesTouching(sql: Queryable, profileIds: string[]): Promise<MergeRecord[]> {
  return sql<MergeRecord[]>`
    select * from profile_merges
     where closed_at is null and (target_profile_id = any(${profileIds}::uuid[]) or source_profile_id = any(${profileIds}::uuid[]))`;
}

/** Idempotent: closing an already closed merge keeps its first outcome. Frees both profiles. */
export async function closeMergeRecord(sql: Sql, id: string, outcome: MergeOutcome): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`update profile_merges set outcome = ${outcome}, closed_at = now() where id = ${id} and closed_at is null`;
    await tx`delete from profile_merge_locks where merge_id = ${id}`;
  });
}

export interface ApplyResult {
  alreadyApplied: boolean;
  movedAccounts: number;
}

/**
 * Applies a verified merge in one transaction. The merge row is the idempotency key: a retried activity
 * or a repeated request finds `applied_at` set and changes nothing.
 */
export async function applyMerge(sql: Sql, mergeId: string, actorAccountId: string): Promise<ApplyResult> {
  return sql.begin(async (tx) => {
    const [m] = await tx<MergeRecord[]>`select * from profile_merges where id = ${mergeId} for update`;
    if (!m) throw new RuleViolation('merge.not_found', 'merge record not found');
    if (m.appliedAt) return { alreadyApplied: true, movedAccounts: 0 };
    if (m.closedAt) throw new RuleViolation('merge.closed', `merge already ${m.outcome}`);

    // Row locks in id order; profile_merge_locks already keeps other merges away from these profiles.
    const [first, second] = [m.targetProfileId, m.sourceProfileId].sort();
    const locked = new Map([
      [first!, await loadProfileSnapshot(tx, first!, { forUpdate: true })],
      [second!, await loadProfileSnapshot(tx, second!, { forUpdate: true })],
    ]);
    const target = locked.get(m.targetProfileId);
    const source = locked.get(m.sourceProfileId);
    if (!target || !source) throw new RuleViolation('merge.profile_gone', 'one of the profiles no longer exists');

    const result = mergeProfiles(target, source);
    await writeMerge(tx, m, result);
    await appendAudit(tx, {
      actorAccountId,
      action: 'profile.merged',
      subjectType: 'profile',
      subjectId: m.targetProfileId,
      details: { mergeId, removedProfileId: m.sourceProfileId, movedAccountIds: result.movedAccountIds },
    });
    return { alreadyApplied: false, movedAccounts: result.movedAccountIds.length };
  });
}

async function writeMerge(tx: Queryable, m: MergeRecord, result: MergeResult): Promise<void> {
  const s = mergedScalars(result);
  const t = m.targetProfileId;
  const o = m.sourceProfileId;
  await tx`
    update profiles set
      display_name = ${s.displayName!}, avatar_url = ${s.avatarUrl}, job_title = ${s.jobTitle}, department = ${s.department},
      country = ${s.country}, about = ${s.about}, twitter_url = ${s.twitterUrl}, linkedin_url = ${s.linkedinUrl},
      profile_email = ${s.profileEmail}, recovery_email = ${s.recoveryEmail},
      points = ${result.points.result}, credits = ${result.credits.result}, updated_at = now()
    where id = ${t}`;
  await tx`insert into profile_skills (profile_id, skill_id) select ${t}, skill_id from profile_skills where profile_id = ${o} on conflict do nothing`;
  await tx`insert into profile_industries (profile_id, industry_id) select ${t}, industry_id from profile_industries where profile_id = ${o} on conflict do nothing`;
  await tx`
    insert into achievements (profile_id, achievement, earned_at) select ${t}, achievement, earned_at from achievements where profile_id = ${o}
    on conflict (profile_id, achievement) do update set earned_at = least(achievements.earned_at, excluded.earned_at)`;
  await tx`
    insert into certifications (profile_id, certification, certified_at) select ${t}, certification, certified_at from certifications where profile_id = ${o}
    on conflict (profile_id, certification) do update set certified_at = least(certifications.certified_at, excluded.certified_at)`;
  await tx`
    insert into academy_progress (profile_id, course, percent, updated_at) select ${t}, course, percent, updated_at from academy_progress where profile_id = ${o}
    on conflict (profile_id, course) do update set percent = greatest(academy_progress.percent, excluded.percent), updated_at = now()`;
  await tx`update accounts set profile_id = ${t}, updated_at = now() where profile_id = ${o}`;
  await tx`update profile_merges set applied_at = now(), outcome = 'completed', closed_at = now() where id = ${m.id}`;
  await tx`delete from profile_merge_locks where merge_id = ${m.id}`;
  await tx`delete from profiles where id = ${o}`;
}
