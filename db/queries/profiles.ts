import type { Queryable } from '../client';
import type { ProfileSnapshot } from '../../workflows/shared/mergeRules';

/** Everything a merge reads about one profile. `forUpdate` locks the row inside a transaction. */
export async function loadProfileSnapshot(
  sql: Queryable,
  profileId: string,
  { forUpdate = false } = {},
): Promise<ProfileSnapshot | undefined> {
  const [p] = await sql<Omit<ProfileSnapshot, 'skills' | 'industries' | 'achievements' | 'certifications' | 'academyProgress' | 'accountIds'>[]>`
    select id, display_name, avatar_url, job_title, department, country, about, twitter_url, linkedin_url,
           profile_email, recovery_email, points, credits
      from profiles where id = ${profileId} ${forUpdate ? sql`for update` : sql``}`;
  if (!p) return undefined;
  const [sets] = await sql<{
    skills: string[]; industries: string[]; achievements: string[]; certifications: string[];
    academy: { course: string; percent: number }[] | null; accountIds: string[];
  }[]>`
    select
      array(select s.name from profile_skills ps join skills s on s.id = ps.skill_id where ps.profile_id = ${profileId} order by s.name) as skills,
      array(select i.name from profile_industries pi join industries i on i.id = pi.industry_id where pi.profile_id = ${profileId} order by i.name) as industries,
      array(select achievement from achievements where profile_id = ${profileId} order by achievement) as achievements,
      array(select certification from certifications where profile_id = ${profileId} order by certification) as certifications,
      (select json_agg(json_build_object('course', course, 'percent', percent) order by course)
         from academy_progress where profile_id = ${profileId}) as academy,
      array(select id::text from accounts where profile_id = ${profileId} order by created_at, id) as account_ids`;
  return {
    ...p,
    skills: sets!.skills,
    industries: sets!.industries,
    achievements: sets!.achievements,
    certifications: sets!.certifications,
    academyProgress: Object.fromEntries((sets!.academy ?? []).map((a) => [a.course, a.percent])),
    accountIds: sets!.accountIds,
  };
}

export interface EmailOption {
  id: string;
  address: string;
}

/**
 * The addresses that can prove ownership of a profile: its login emails, its profile email and its
 * recovery email (seed §2.1). Option ids name the slot, never the address, so they are safe to log.
 */
export async function listEmailOptions(sql: Queryable, profileId: string): Promise<EmailOption[]> {
  const rows = await sql<{ kind: string; ref: string | null; address: string }[]>`
    select 'account' as kind, id::text as ref, email as address, 0 as ord, created_at from accounts where profile_id = ${profileId}
    union all
    select 'profile-email', null, profile_email, 1, created_at from profiles where id = ${profileId} and profile_email is not null
    union all
    select 'recovery-email', null, recovery_email, 2, created_at from profiles where id = ${profileId} and recovery_email is not null
    order by 4, 5`;
  const seen = new Set<string>();
  const options: EmailOption[] = [];
  for (const r of rows) {
    const key = r.address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    options.push({ id: r.kind === 'account' ? `account-${r.ref}` : r.kind, address: r.address });
  }
  return options;
}
