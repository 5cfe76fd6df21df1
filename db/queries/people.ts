import type { Queryable } from '../client';

/** A profile with its community data, as the demo seed and test builders create them. */
export interface ProfileSeed {
  id: string;
  displayName: string;
  jobTitle?: string | null;
  department?: string | null;
  country?: string | null;
  about?: string | null;
  twitterUrl?: string | null;
  linkedinUrl?: string | null;
  avatarUrl?: string | null;
  profileEmail?: string | null;
  recoveryEmail?: string | null;
  points?: number;
  credits?: number;
  skills?: string[];
  industries?: string[];
  achievements?: string[];
  certifications?: string[];
  academy?: Record<string, number>;
}

export async function insertProfile(sql: Queryable, p: ProfileSeed): Promise<void> {
  await sql`
    insert into profiles (id, display_name, avatar_url, job_title, department, country, about, twitter_url, linkedin_url,
                          profile_email, recovery_email, points, credits)
    values (${p.id}, ${p.displayName}, ${p.avatarUrl ?? null}, ${p.jobTitle ?? null}, ${p.department ?? null}, ${p.country ?? null},
            ${p.about ?? null}, ${p.twitterUrl ?? null}, ${p.linkedinUrl ?? null}, ${p.profileEmail ?? null}, ${p.recoveryEmail ?? null},
            ${p.points ?? 0}, ${p.credits ?? 0})`;
  for (const s of p.skills ?? []) {
    await sql`
      with s as (insert into skills (name) values (${s}) on conflict (lower(name)) do update set name = skills.name returning id)
      insert into profile_skills (profile_id, skill_id) select ${p.id}, id from s`;
  }
  for (const i of p.industries ?? []) {
    await sql`
      with i as (insert into industries (name) values (${i}) on conflict (lower(name)) do update set name = industries.name returning id)
      insert into profile_industries (profile_id, industry_id) select ${p.id}, id from i`;
  }
  for (const a of p.achievements ?? []) await sql`insert into achievements (profile_id, achievement) values (${p.id}, ${a})`;
  for (const c of p.certifications ?? []) await sql`insert into certifications (profile_id, certification) values (${p.id}, ${c})`;
  for (const [course, percent] of Object.entries(p.academy ?? {})) {
    await sql`insert into academy_progress (profile_id, course, percent) values (${p.id}, ${course}, ${percent})`;
  }
}

export interface AccountSeed {
  id: string;
  profileId: string;
  email: string;
  passwordHash: string | null;
  companyId?: string | null;
  isCompanyAdmin?: boolean;
  status?: 'active' | 'deactivated';
}

export async function insertAccount(sql: Queryable, a: AccountSeed): Promise<void> {
  await sql`
    insert into accounts (id, profile_id, email, password_hash, company_id, is_company_admin, status, password_changed_at)
    values (${a.id}, ${a.profileId}, ${a.email}, ${a.passwordHash}, ${a.companyId ?? null}, ${a.isCompanyAdmin ?? false},
            ${a.status ?? 'active'}, now())`;
}
