import type { Sql } from '../../db/client';
import { RuleViolation } from '../../db/errors';
import { appendAudit } from '../../db/queries/audit';
import { loadProfileSnapshots } from '../../db/queries/profiles';
import { lockMergeRecord, writeMerge } from '../../db/queries/profileMerges';
import { revokeAccountSessions } from '../../db/queries/sessions';
import { mergeProfiles, mergedScalars } from '../../workflows/shared/mergeRules';

export interface ApplyResult {
  alreadyApplied: boolean;
  movedAccounts: number;
}

/**
 * Applies a verified merge in one transaction: it loads both profiles under lock, computes the result
 * with the same pure rules the preview shows (workflows/shared/mergeRules.ts), and writes that result.
 * The merge row is the idempotency key: a retried activity or a repeated request finds `applied_at` set
 * and changes nothing. Raises RuleViolation merge.not_found, merge.closed or merge.profile_gone.
 */
export async function applyMerge(sql: Sql, mergeId: string, actorAccountId: string): Promise<ApplyResult> {
  return sql.begin(async (tx) => {
    const m = await lockMergeRecord(tx, mergeId);
    if (!m) throw new RuleViolation('merge.not_found', 'merge record not found');
    if (m.appliedAt) return { alreadyApplied: true, movedAccounts: 0 };
    if (m.closedAt) throw new RuleViolation('merge.closed', `merge already ${m.outcome}`);

    // profile_merge_locks already keeps other merges away from these profiles; the row locks keep
    // everyone else (profile edits, new accounts) out until commit.
    const snapshots = await loadProfileSnapshots(tx, [m.targetProfileId, m.sourceProfileId], { forUpdate: true });
    const target = snapshots.find((p) => p.id === m.targetProfileId);
    const source = snapshots.find((p) => p.id === m.sourceProfileId);
    if (!target || !source) throw new RuleViolation('merge.profile_gone', 'one of the profiles no longer exists');

    const r = mergeProfiles(target, source);
    const scalars = mergedScalars(r);
    await Promise.all([
      ...writeMerge(tx, {
        mergeId,
        targetProfileId: m.targetProfileId,
        sourceProfileId: m.sourceProfileId,
        scalars: { ...scalars, displayName: scalars.displayName! },
        points: r.points.result,
        credits: r.credits.result,
        skills: r.skills.result,
        industries: r.industries.result,
        achievements: r.achievements.result,
        certifications: r.certifications.result,
        academy: r.academyProgress.map((a) => ({ course: a.course, percent: a.result })),
        movedAccountIds: r.movedAccountIds,
      }),
      // A moved account now opens another profile: its sessions were issued for the old one.
      revokeAccountSessions(tx, r.movedAccountIds),
      appendAudit(tx, {
        actorAccountId,
        action: 'profile.merged',
        subjectType: 'profile',
        subjectId: m.targetProfileId,
        details: { mergeId, removedProfileId: m.sourceProfileId, movedAccountIds: r.movedAccountIds },
      }),
    ]);
    return { alreadyApplied: false, movedAccounts: r.movedAccountIds.length };
  });
}
