import type { Sql } from '../../db/client';
import {
  type Catalogue, type CatalogueEntry, type ProfileFieldChanges, type ProfileRecord,
  deleteAvatar, findAvatar, findAvatarEtag, findCatalogueEntries, findProfileRecord, listCatalogue, lockProfile,
  replaceProfileIndustries, replaceProfileSkills, setProfilePublic, updateProfileFields, upsertAvatar,
} from '../../db/queries/profileSettings';
import { AppError, notFound } from '../../lib/errors';
import type { Principal } from '../principal';
import { processAvatar } from './avatarImage';
import { countryName } from './countries';

/** One prerequisite of a public profile (seed §2) that is not met, with its stable code. */
export interface MissingItem {
  code: string;
  message: string;
}

const PREREQUISITES: { code: string; message: string; met: (p: ProfileRecord) => boolean }[] = [
  { code: 'profile.avatar_missing', message: 'Add an avatar', met: (p) => p.hasAvatar },
  { code: 'profile.job_title_missing', message: 'Enter a job title', met: (p) => !!p.jobTitle },
  { code: 'profile.department_missing', message: 'Enter a department', met: (p) => !!p.department },
  { code: 'profile.country_missing', message: 'Enter a country of residence', met: (p) => !!p.country },
  { code: 'profile.about_missing', message: 'Add some details about you', met: (p) => !!p.about },
  { code: 'profile.skills_missing', message: 'Add at least one skill', met: (p) => p.skills.length > 0 },
  { code: 'profile.industries_missing', message: 'Add at least one industry experience item', met: (p) => p.industries.length > 0 },
];

/** Every prerequisite of a public profile the profile does not meet, in the seed's order. */
export function missingForPublic(p: ProfileRecord): MissingItem[] {
  return PREREQUISITES.filter((r) => !r.met(p)).map(({ code, message }) => ({ code, message }));
}

const country = (code: string | null) => (code ? { code, name: countryName(code) } : null);

/** What everyone may read of a public profile: no email, no flags, no dates. */
function publicView(p: ProfileRecord) {
  return {
    id: p.id, name: p.displayName, avatarUrl: p.avatarUrl, jobTitle: p.jobTitle, department: p.department,
    country: country(p.country), about: p.about, skills: p.skills, industries: p.industries,
    twitterUrl: p.twitterUrl, linkedinUrl: p.linkedinUrl,
  };
}

function ownerView(p: ProfileRecord) {
  return {
    ...publicView(p),
    recoveryEmail: p.recoveryEmail,
    public: p.isPublic,
    missingForPublic: missingForPublic(p),
    updatedAt: p.updatedAt.toISOString(),
  };
}
export type OwnProfile = ReturnType<typeof ownerView>;
export type PublicProfile = ReturnType<typeof publicView>;

export interface ProfileChanges extends ProfileFieldChanges {
  skills?: string[];
  industries?: string[];
}

export interface AvatarReply {
  content: Buffer;
  contentType: string;
  etag: string;
  isPublic: boolean;
}

/** Resolves catalogue names (case-insensitively) to entries; 422 listing every unknown one. */
async function resolve(sql: Sql, catalogue: Catalogue, names: string[], field: string): Promise<CatalogueEntry[]> {
  const found = await findCatalogueEntries(sql, catalogue, names);
  const byName = new Map(found.map((e) => [e.name.toLowerCase(), e]));
  const unknown = names.map((n, i) => ({ n, i })).filter(({ n }) => !byName.has(n.toLowerCase()));
  if (unknown.length) {
    throw new AppError(422, 'profile.unknown_catalogue_entry', `Not in the ${catalogue} catalogue: ${unknown.map((u) => u.n).join(', ')}`, {
      details: unknown.map(({ n, i }) => ({ path: `body.${field}.${i}`, message: `Unknown ${catalogue === 'skills' ? 'skill' : 'industry'}: ${n}` })),
    });
  }
  const ids = [...new Set(names.map((n) => byName.get(n.toLowerCase())!.id))];
  return ids.map((id) => found.find((e) => e.id === id)!);
}

export function createProfileService({ sql }: { sql: Sql }) {
  async function load(profileId: string): Promise<ProfileRecord> {
    const p = await findProfileRecord(sql, profileId);
    if (!p) throw notFound('profile.not_found', 'Profile not found');
    return p;
  }

  return {
    async get(auth: Principal): Promise<OwnProfile> {
      return ownerView(await load(auth.profileId));
    },

    async update(auth: Principal, changes: ProfileChanges): Promise<OwnProfile> {
      const skills = changes.skills ? await resolve(sql, 'skills', changes.skills, 'skills') : undefined;
      const industries = changes.industries ? await resolve(sql, 'industries', changes.industries, 'industries') : undefined;
      await sql.begin(async (tx) => {
        if (!(await lockProfile(tx, auth.profileId))) throw notFound('profile.not_found', 'Profile not found');
        const { skills: _s, industries: _i, ...fields } = changes;
        await updateProfileFields(tx, auth.profileId, fields);
        if (skills) await replaceProfileSkills(tx, auth.profileId, skills.map((s) => s.id));
        if (industries) await replaceProfileIndustries(tx, auth.profileId, industries.map((s) => s.id));
        // A public profile must keep meeting the prerequisites: an edit that breaks one makes it private.
        const after = await findProfileRecord(tx, auth.profileId);
        if (after?.isPublic && missingForPublic(after).length) await setProfilePublic(tx, auth.profileId, false);
      });
      return ownerView(await load(auth.profileId));
    },

    async setVisibility(auth: Principal, makePublic: boolean): Promise<OwnProfile> {
      await sql.begin(async (tx) => {
        if (!(await lockProfile(tx, auth.profileId))) throw notFound('profile.not_found', 'Profile not found');
        if (makePublic) {
          const p = await findProfileRecord(tx, auth.profileId);
          const missing = p ? missingForPublic(p) : [];
          if (missing.length) {
            throw new AppError(422, 'profile.not_publishable', `The profile cannot be public yet (${missing.length} missing)`, {
              details: missing.map((m) => ({ path: m.code, message: m.message })),
              fields: { rules: missing.map((m) => m.code) },
            });
          }
        }
        await setProfilePublic(tx, auth.profileId, makePublic);
      });
      return ownerView(await load(auth.profileId));
    },

    /** A public profile, to anyone; a private or unknown one is 404, the same answer. */
    async getPublic(profileId: string): Promise<PublicProfile> {
      const p = await findProfileRecord(sql, profileId);
      if (!p?.isPublic) throw notFound('profile.not_found', 'Profile not found');
      return publicView(p);
    },

    catalogue: (which: Catalogue) => listCatalogue(sql, which),

    async putAvatar(auth: Principal, bytes: Buffer): Promise<OwnProfile> {
      // Everything is checked and re-encoded before the transaction: a bad upload stores nothing.
      const avatar = await processAvatar(bytes);
      await sql.begin(async (tx) => {
        if (!(await lockProfile(tx, auth.profileId))) throw notFound('profile.not_found', 'Profile not found');
        await upsertAvatar(tx, auth.profileId, avatar);
      });
      return ownerView(await load(auth.profileId));
    },

    async deleteAvatar(auth: Principal): Promise<OwnProfile> {
      await sql.begin(async (tx) => {
        if (!(await lockProfile(tx, auth.profileId))) throw notFound('profile.not_found', 'Profile not found');
        await deleteAvatar(tx, auth.profileId);
      });
      return ownerView(await load(auth.profileId));
    },

    /**
     * The avatar of a public profile to anyone, of a private one to its owner only; otherwise 404 (the
     * same as no avatar). With `ifNoneMatch` naming the current ETag, answers `notModified` without the bytes.
     */
    async getAvatar(
      profileId: string, viewer: Principal | undefined, ifNoneMatch: string | undefined,
    ): Promise<{ notModified: true; etag: string; isPublic: boolean } | ({ notModified: false } & AvatarReply)> {
      const head = await findAvatarEtag(sql, profileId);
      if (!head || (!head.isPublic && viewer?.profileId !== profileId)) throw notFound('avatar.not_found', 'Avatar not found');
      if (ifNoneMatch && etagMatches(ifNoneMatch, head.etag)) return { notModified: true, etag: head.etag, isPublic: head.isPublic };
      const a = await findAvatar(sql, profileId);
      if (!a) throw notFound('avatar.not_found', 'Avatar not found');
      return { notModified: false, content: a.content, contentType: a.contentType, etag: a.etag, isPublic: a.isPublic };
    },
  };
}
export type ProfileService = ReturnType<typeof createProfileService>;

/** RFC 9110 If-None-Match: `*`, or a list of (weak or strong) tags, compared weakly. */
export function etagMatches(header: string, etag: string): boolean {
  return header.split(',').map((t) => t.trim().replace(/^W\//, '')).some((t) => t === '*' || t === `"${etag}"`);
}
