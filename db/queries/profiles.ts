import type { Queryable } from '../client';

/** One profile with its community data: what a merge reads, in the shape the merge rules take. */
export interface ProfileSnapshot {
  id: string;
  displayName: string;
  avatarUrl: string | null;
  jobTitle: string | null;
  department: string | null;
  country: string | null;
  about: string | null;
  twitterUrl: string | null;
  linkedinUrl: string | null;
  profileEmail: string | null;
  recoveryEmail: string | null;
  points: number;
  credits: number;
  skills: string[];
  industries: string[];
  achievements: string[];
  certifications: string[];
  /** course -> percent complete */
  academyProgress: Record<string, number>;
  accountIds: string[];
}

type Row = Omit<ProfileSnapshot, 'academyProgress'> & { academy: { course: string; percent: number }[] | null };

/**
 * Profiles with their community data, in one round trip. `forUpdate` locks the profile rows, in id order
 * (so two transactions locking the same pair cannot deadlock), inside a transaction.
 */
export async function loadProfileSnapshots(sql: Queryable, profileIds: string[], { forUpdate = false } = {}): Promise<ProfileSnapshot[]> {
  const rows = await sql<Row[]>`
    select p.id, p.display_name, p.avatar_url, p.job_title, p.department, p.country, p.about, p.twitter_url, p.linkedin_url,
           p.profile_email, p.recovery_email, p.points, p.credits,
      array(select s.name from profile_skills ps join skills s on s.id = ps.skill_id where ps.profile_id = p.id order by s.name) as skills,
      array(select i.name from profile_industries pi join industries i on i.id = pi.industry_id where pi.profile_id = p.id order by i.name) as industries,
      array(select achievement from achievements where profile_id = p.id order by achievement) as achievements,
      array(select certification from certifications where profile_id = p.id order by certification) as certifications,
      (select json_agg(json_build_object('course', course, 'percent', percent) order by course)
         from academy_progress where profile_id = p.id) as academy,
      array(select id::text from accounts where profile_id = p.id order by created_at, id) as account_ids
      from profiles p where p.id = any(${profileIds}::uuid[]) order by p.id ${forUpdate ? sql`for update of p` : sql``}`;
  return rows.map(({ academy, ...p }) => ({
    ...p,
    academyProgress: Object.fromEntries((academy ?? []).map((a) => [a.course, a.percent])),
  }));
}

export async function loadProfileSnapshot(sql: Queryable, profileId: string): Promise<ProfileSnapshot | undefined> {
  const [p] = await loadProfileSnapshots(sql, [profileId]);
  return p;
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
