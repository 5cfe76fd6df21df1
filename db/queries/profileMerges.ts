import type { Queryable, Sql } from '../client';

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
  await sql.begin((tx) => [
    tx`
      insert into profile_merges (id, workflow_id, target_profile_id, source_profile_id, started_by_account_id)
      values (${m.id}, ${m.workflowId}, ${m.targetProfileId}, ${m.sourceProfileId}, ${m.startedByAccountId})`,
    tx`insert into profile_merge_locks (profile_id, merge_id) values (${m.targetProfileId}, ${m.id}), (${m.sourceProfileId}, ${m.id})`,
  ]);
}

/** A merge as seen by the profile that started it; anyone else gets nothing. */
export async function findMergeOfProfile(sql: Queryable, id: string, targetProfileId: string): Promise<MergeRecord | undefined> {
  const [row] = await sql<MergeRecord[]>`
    select * from profile_merges where id = ${id} and target_profile_id = ${targetProfileId}`;
  return row;
}

/** A merge by id alone, for the source profile's owner proving it with a rejection token. */
export async function findMerge(sql: Queryable, id: string): Promise<MergeRecord | undefined> {
  const [row] = await sql<MergeRecord[]>`select * from profile_merges where id = ${id}`;
  return row;
}

export type MergeRole = 'target' | 'source';

/** A merge as seen by either of its profiles: the one that started it (target) or the one it aims at (source). */
export async function findMergeTouchingProfile(
  sql: Queryable, id: string, profileId: string,
): Promise<(MergeRecord & { role: MergeRole }) | undefined> {
  const [row] = await sql<(MergeRecord & { role: MergeRole })[]>`
    select *, case when target_profile_id = ${profileId} then 'target' else 'source' end as role
      from profile_merges where id = ${id} and (target_profile_id = ${profileId} or source_profile_id = ${profileId})`;
  return row;
}

/** The newest merges a profile started (`target`) or that aim at it (`source`). */
export async function listMergesOfProfile(sql: Queryable, profileId: string, role: MergeRole, limit: number): Promise<MergeRecord[]> {
  const column = role === 'target' ? sql`target_profile_id` : sql`source_profile_id`;
  return sql<MergeRecord[]>`
    select * from profile_merges where ${column} = ${profileId} order by created_at desc, id limit ${limit}`;
}

export async function findOpenMergesTouching(sql: Queryable, profileIds: string[]): Promise<MergeRecord[]> {
  return sql<MergeRecord[]>`
    select * from profile_merges
     where closed_at is null and (target_profile_id = any(${profileIds}::uuid[]) or source_profile_id = any(${profileIds}::uuid[]))`;
}

/**
 * Idempotent: closing an already closed merge keeps its first outcome. Frees both profiles. Answers the
 * outcome the record holds afterwards, which is `completed` when the apply committed first.
 */
export async function closeMergeRecord(sql: Sql, id: string, outcome: MergeOutcome): Promise<MergeOutcome | undefined> {
  const [row] = await sql.begin((tx) => [
    tx<{ outcome: MergeOutcome }[]>`
      with closed as (update profile_merges set outcome = ${outcome}, closed_at = now() where id = ${id} and closed_at is null returning outcome)
      select outcome from closed union all select outcome from profile_merges where id = ${id} and not exists (select 1 from closed)`,
    tx`delete from profile_merge_locks where merge_id = ${id}`,
  ]);
  return row[0]?.outcome;
}

/** The merge row, locked for the apply transaction. */
export async function lockMergeRecord(tx: Queryable, id: string): Promise<MergeRecord | undefined> {
  const [row] = await tx<MergeRecord[]>`select * from profile_merges where id = ${id} for update`;
  return row;
}

/** What a merge writes: the computed result, not rules. Sets become exactly these values. */
export interface MergeWrite {
  mergeId: string;
  targetProfileId: string;
  sourceProfileId: string;
  scalars: {
    displayName: string; avatarUrl: string | null; jobTitle: string | null; department: string | null; country: string | null;
    about: string | null; twitterUrl: string | null; linkedinUrl: string | null; profileEmail: string | null; recoveryEmail: string | null;
  };
  points: number;
  credits: number;
  skills: string[];
  industries: string[];
  achievements: string[];
  certifications: string[];
  academy: { course: string; percent: number }[];
  movedAccountIds: string[];
}

/**
 * Writes a computed merge in one pipelined round trip, inside the caller's transaction: the surviving
 * profile's sets become exactly the given ones (a value from the other profile keeps its earliest date),
 * the other profile's accounts move, and the other profile and the merge's locks go.
 */
export function writeMerge(tx: Queryable, w: MergeWrite) {
  const { targetProfileId: t, sourceProfileId: o, scalars: s } = w;
  return [
    tx`
      update profiles set
        display_name = ${s.displayName}, avatar_url = ${s.avatarUrl}, job_title = ${s.jobTitle}, department = ${s.department},
        country = ${s.country}, about = ${s.about}, twitter_url = ${s.twitterUrl}, linkedin_url = ${s.linkedinUrl},
        profile_email = ${s.profileEmail}, recovery_email = ${s.recoveryEmail},
        points = ${w.points}, credits = ${w.credits}, updated_at = now()
      where id = ${t}`,
    // Catalogue rows by their exact names (the snapshot's spellings): no second idea of case-folding here.
    tx`delete from profile_skills where profile_id = ${t} and skill_id not in (select id from skills where name = any(${w.skills}::text[]))`,
    tx`insert into profile_skills (profile_id, skill_id) select ${t}, id from skills where name = any(${w.skills}::text[]) on conflict do nothing`,
    tx`delete from profile_industries where profile_id = ${t} and industry_id not in (select id from industries where name = any(${w.industries}::text[]))`,
    tx`insert into profile_industries (profile_id, industry_id) select ${t}, id from industries where name = any(${w.industries}::text[]) on conflict do nothing`,
    tx`delete from achievements where profile_id = ${t} and not (achievement = any(${w.achievements}::text[]))`,
    tx`
      insert into achievements (profile_id, achievement, earned_at)
      select ${t}, achievement, earned_at from achievements where profile_id = ${o} and achievement = any(${w.achievements}::text[])
      on conflict (profile_id, achievement) do update set earned_at = least(achievements.earned_at, excluded.earned_at)`,
    tx`delete from certifications where profile_id = ${t} and not (certification = any(${w.certifications}::text[]))`,
    tx`
      insert into certifications (profile_id, certification, certified_at)
      select ${t}, certification, certified_at from certifications where profile_id = ${o} and certification = any(${w.certifications}::text[])
      on conflict (profile_id, certification) do update set certified_at = least(certifications.certified_at, excluded.certified_at)`,
    tx`delete from academy_progress where profile_id = ${t} and not (course = any(${w.academy.map((a) => a.course)}::text[]))`,
    tx`
      insert into academy_progress (profile_id, course, percent)
      select ${t}, a.course, a.percent from jsonb_to_recordset(${tx.json(w.academy)}::jsonb) as a(course text, percent smallint)
      on conflict (profile_id, course) do update set percent = excluded.percent, updated_at = now()
        where academy_progress.percent is distinct from excluded.percent`,
    tx`update accounts set profile_id = ${t}, updated_at = now() where id = any(${w.movedAccountIds}::uuid[])`,
    tx`update profile_merges set applied_at = now(), outcome = 'completed', closed_at = now() where id = ${w.mergeId}`,
    tx`delete from profile_merge_locks where merge_id = ${w.mergeId}`,
    // An avatar kept from the other profile is stored under it (profile_avatars, migration 00012): it moves along,
    // and the URL names the surviving profile, before the other profile's row (and its avatar) go.
    tx`
      insert into profile_avatars (profile_id, content, content_type, etag, width, height, updated_at)
      select ${t}, content, content_type, etag, width, height, updated_at from profile_avatars
       where profile_id = ${o} and ${s.avatarUrl}::text like ${`/v1/profiles/${o}/avatar%`}
      on conflict (profile_id) do update set content = excluded.content, content_type = excluded.content_type, etag = excluded.etag,
        width = excluded.width, height = excluded.height, updated_at = excluded.updated_at`,
    tx`
      update profiles set avatar_url = replace(avatar_url, ${`/v1/profiles/${o}/`}, ${`/v1/profiles/${t}/`})
       where id = ${t} and avatar_url like ${`/v1/profiles/${o}/avatar%`}`,
    tx`delete from profiles where id = ${o}`,
  ];
}
