import type { Queryable } from '../client';

/** The profile as its owner edits it (User Settings §2). */
export interface ProfileRecord {
  id: string;
  displayName: string;
  avatarUrl: string | null;
  jobTitle: string | null;
  department: string | null;
  country: string | null;
  about: string | null;
  twitterUrl: string | null;
  linkedinUrl: string | null;
  recoveryEmail: string | null;
  isPublic: boolean;
  skills: string[];
  industries: string[];
  hasAvatar: boolean;
  updatedAt: Date;
}

export async function findProfileRecord(sql: Queryable, profileId: string): Promise<ProfileRecord | undefined> {
  const [row] = await sql<ProfileRecord[]>`
    select p.id, p.display_name, p.avatar_url, p.job_title, p.department, p.country, p.about, p.twitter_url, p.linkedin_url,
           p.recovery_email, p.is_public, p.updated_at,
      array(select s.name from profile_skills ps join skills s on s.id = ps.skill_id where ps.profile_id = p.id order by s.name) as skills,
      array(select i.name from profile_industries pi join industries i on i.id = pi.industry_id where pi.profile_id = p.id order by i.name) as industries,
      exists (select 1 from profile_avatars a where a.profile_id = p.id) as has_avatar
      from profiles p where p.id = ${profileId}`;
  return row;
}

export interface ProfileFieldChanges {
  displayName?: string;
  jobTitle?: string | null;
  department?: string | null;
  country?: string | null;
  about?: string | null;
  twitterUrl?: string | null;
  linkedinUrl?: string | null;
}

const COLUMNS: Record<keyof ProfileFieldChanges, string> = {
  displayName: 'display_name', jobTitle: 'job_title', department: 'department', country: 'country', about: 'about',
  twitterUrl: 'twitter_url', linkedinUrl: 'linkedin_url',
};

/** Locks the profile row; false when it is gone. */
export async function lockProfile(sql: Queryable, profileId: string): Promise<boolean> {
  const rows = await sql`select 1 from profiles where id = ${profileId} for update`;
  return rows.length > 0;
}

export async function updateProfileFields(sql: Queryable, profileId: string, changes: ProfileFieldChanges): Promise<void> {
  const set: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(changes)) if (v !== undefined) set[COLUMNS[k as keyof ProfileFieldChanges]] = v;
  if (Object.keys(set).length === 0) {
    await sql`update profiles set updated_at = now() where id = ${profileId}`;
    return;
  }
  await sql`update profiles set ${sql(set)}, updated_at = now() where id = ${profileId}`;
}

export interface CatalogueEntry {
  id: number;
  name: string;
}

export type Catalogue = 'skills' | 'industries';

export async function listCatalogue(sql: Queryable, catalogue: Catalogue): Promise<CatalogueEntry[]> {
  return catalogue === 'skills'
    ? sql<CatalogueEntry[]>`select id, name from skills order by lower(name), id`
    : sql<CatalogueEntry[]>`select id, name from industries order by lower(name), id`;
}

/** The catalogue entries named, matched case-insensitively. */
export async function findCatalogueEntries(sql: Queryable, catalogue: Catalogue, names: string[]): Promise<CatalogueEntry[]> {
  const lowered = names.map((n) => n.toLowerCase());
  return catalogue === 'skills'
    ? sql<CatalogueEntry[]>`select id, name from skills where lower(name) = any(${lowered}::text[])`
    : sql<CatalogueEntry[]>`select id, name from industries where lower(name) = any(${lowered}::text[])`;
}

export async function replaceProfileSkills(sql: Queryable, profileId: string, skillIds: number[]): Promise<void> {
  await sql`delete from profile_skills where profile_id = ${profileId}`;
  if (skillIds.length) {
    await sql`insert into profile_skills (profile_id, skill_id) select ${profileId}, unnest(${skillIds}::int[])`;
  }
}

export async function replaceProfileIndustries(sql: Queryable, profileId: string, industryIds: number[]): Promise<void> {
  await sql`delete from profile_industries where profile_id = ${profileId}`;
  if (industryIds.length) {
    await sql`insert into profile_industries (profile_id, industry_id) select ${profileId}, unnest(${industryIds}::int[])`;
  }
}

export async function setProfilePublic(sql: Queryable, profileId: string, isPublic: boolean): Promise<void> {
  await sql`update profiles set is_public = ${isPublic}, updated_at = now() where id = ${profileId}`;
}

export interface StoredAvatar {
  content: Buffer;
  contentType: string;
  etag: string;
  updatedAt: Date;
}

/** Stores the avatar and points avatar_url at it, in the caller's transaction. */
export async function upsertAvatar(
  sql: Queryable, profileId: string, avatar: { content: Buffer; contentType: string; etag: string; width: number; height: number },
): Promise<void> {
  await sql`
    insert into profile_avatars (profile_id, content, content_type, etag, width, height)
    values (${profileId}, ${avatar.content}, ${avatar.contentType}, ${avatar.etag}, ${avatar.width}, ${avatar.height})
    on conflict (profile_id) do update set content = excluded.content, content_type = excluded.content_type, etag = excluded.etag,
      width = excluded.width, height = excluded.height, updated_at = now()`;
  await sql`update profiles set avatar_url = ${`/v1/profiles/${profileId}/avatar?v=${avatar.etag}`}, updated_at = now() where id = ${profileId}`;
}

/** Removes the avatar; a public profile becomes private, since it no longer meets the prerequisites. */
export async function deleteAvatar(sql: Queryable, profileId: string): Promise<boolean> {
  const rows = await sql`delete from profile_avatars where profile_id = ${profileId} returning 1`;
  await sql`update profiles set avatar_url = null, is_public = false, updated_at = now() where id = ${profileId}`;
  return rows.length > 0;
}

export async function findAvatar(sql: Queryable, profileId: string): Promise<(StoredAvatar & { isPublic: boolean }) | undefined> {
  const [row] = await sql<(StoredAvatar & { isPublic: boolean })[]>`
    select a.content, a.content_type, a.etag, a.updated_at, p.is_public
      from profile_avatars a join profiles p on p.id = a.profile_id where a.profile_id = ${profileId}`;
  return row;
}

export async function findAvatarEtag(sql: Queryable, profileId: string): Promise<{ etag: string; isPublic: boolean } | undefined> {
  const [row] = await sql<{ etag: string; isPublic: boolean }[]>`
    select a.etag, p.is_public from profile_avatars a join profiles p on p.id = a.profile_id where a.profile_id = ${profileId}`;
  return row;
}
