import type { Queryable } from '../../db/client';
import { listAccountsOfProfile } from '../../db/queries/accounts';
import { loadProfileSnapshots } from '../../db/queries/profiles';
import { mergeProfiles } from '../../workflows/shared/mergeRules';

/**
 * Built from the database at request time, never carried through the workflow: the preview holds names
 * and emails, which must stay out of workflow history. Same pure rules as the apply transaction.
 */
export async function buildMergePreview(sql: Queryable, targetProfileId: string, sourceProfileId: string) {
  const [snapshots, accounts] = await Promise.all([
    loadProfileSnapshots(sql, [targetProfileId, sourceProfileId]),
    listAccountsOfProfile(sql, sourceProfileId),
  ]);
  const target = snapshots.find((p) => p.id === targetProfileId);
  const source = snapshots.find((p) => p.id === sourceProfileId);
  if (!target || !source) return null;
  const r = mergeProfiles(target, source);
  return {
    kept: r.fields.map(({ field, value, source: from }) => ({ field, value, source: from })),
    deleted: {
      profileId: r.deletedProfileId,
      fields: r.fields.filter((f) => f.discarded !== null).map((f) => ({ field: f.field, value: f.discarded! })),
    },
    merged: {
      points: r.points,
      credits: r.credits,
      achievements: r.achievements,
      certifications: r.certifications,
      skills: r.skills,
      industries: r.industries,
      academyProgress: r.academyProgress,
      accounts: accounts.map((a) => ({ id: a.id, email: a.email })),
    },
  };
}
export type MergePreview = NonNullable<Awaited<ReturnType<typeof buildMergePreview>>>;
