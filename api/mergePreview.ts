import type { Sql } from '../db/client';
import { listAccountsOfProfile } from '../db/queries/accounts';
import { loadProfileSnapshot } from '../db/queries/profiles';
import { mergeProfiles } from '../workflows/shared/mergeRules';
import type { MergePreview } from './schemas/merges';
import type { z } from './schemas/zod';

/**
 * Built from the database at request time, never carried through the workflow: the preview holds names
 * and emails, which must stay out of workflow history. Same rules as the apply transaction.
 */
export async function buildMergePreview(sql: Sql, targetProfileId: string, sourceProfileId: string): Promise<z.output<typeof MergePreview> | null> {
  const [target, source, accounts] = await Promise.all([
    loadProfileSnapshot(sql, targetProfileId),
    loadProfileSnapshot(sql, sourceProfileId),
    listAccountsOfProfile(sql, sourceProfileId),
  ]);
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
