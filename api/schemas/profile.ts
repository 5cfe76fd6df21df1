import { COUNTRY_CODES } from '../../workflows/shared/countryCodes';
import { isoDate, text, uuid } from './common';
import { z } from './zod';

const trimmed = (min: number, max: number) => text(max).trim().min(min).max(max);
/** An optional text field: a value, or null to clear it. Whitespace only counts as empty. */
const clearable = (max: number) => trimmed(1, max).nullable().optional();

const TWITTER = /^https:\/\/(www\.)?(x|twitter)\.com\/[A-Za-z0-9_]{1,15}\/?$/;
const LINKEDIN = /^https:\/\/([a-z]{2,3}\.)?linkedin\.com\/in\/[A-Za-z0-9\-_%]{3,100}\/?$/;
const catalogueList = (max: number) => z.array(trimmed(1, 100)).max(max)
  .refine((l) => new Set(l.map((s) => s.toLowerCase())).size === l.length, 'must not repeat an entry');

export const CountryCode = z.enum(COUNTRY_CODES).openapi({ description: 'ISO 3166-1 alpha-2', example: 'NL' });
const Country = z.object({ code: z.string().openapi({ example: 'NL' }), name: z.string().openapi({ example: 'Netherlands' }) });

export const UpdateProfile = z.strictObject({
  name: trimmed(1, 200).optional(),
  jobTitle: clearable(100),
  department: clearable(100),
  country: CountryCode.nullable().optional(),
  about: clearable(2000),
  skills: catalogueList(50).optional().openapi({ description: 'Names from `GET /v1/catalogues/skills`; replaces the list. At most 50.' }),
  industries: catalogueList(20).optional().openapi({ description: 'Names from `GET /v1/catalogues/industries`; replaces the list. At most 20.' }),
  twitterUrl: text(200).regex(TWITTER, 'must be an https://x.com/<handle> or https://twitter.com/<handle> URL').nullable().optional()
    .openapi({ example: 'https://x.com/ada' }),
  linkedinUrl: text(200).regex(LINKEDIN, 'must be an https://linkedin.com/in/<name> URL').nullable().optional()
    .openapi({ example: 'https://www.linkedin.com/in/ada-lovelace' }),
}).openapi('UpdateProfile', { description: 'Only the fields given change; `null` clears one. The name cannot be cleared.' });

const publicFields = {
  id: uuid,
  name: z.string(),
  avatarUrl: z.string().nullable().openapi({ description: '`/v1/profiles/{id}/avatar?v=<etag>` when there is an avatar' }),
  jobTitle: z.string().nullable(),
  department: z.string().nullable(),
  country: Country.nullable(),
  about: z.string().nullable(),
  skills: z.array(z.string()),
  industries: z.array(z.string()),
  twitterUrl: z.string().nullable(),
  linkedinUrl: z.string().nullable(),
};

export const MissingItem = z.object({
  code: z.string().openapi({ example: 'profile.avatar_missing' }),
  message: z.string(),
}).openapi('MissingProfileItem');

export const OwnProfile = z.strictObject({
  ...publicFields,
  recoveryEmail: z.string().nullable().openapi({ description: 'The verified recovery email, or null' }),
  public: z.boolean(),
  missingForPublic: z.array(MissingItem).openapi({ description: 'What a public profile still needs; empty when it can be made public' }),
  updatedAt: isoDate,
}).openapi('OwnProfile');

export const PublicProfile = z.strictObject(publicFields).openapi('PublicProfile');

export const Visibility = z.strictObject({ public: z.boolean() }).openapi('ProfileVisibility');

export const CatalogueList = z.strictObject({
  entries: z.array(z.object({ id: z.number().int(), name: z.string() })),
}).openapi('Catalogue');

export const CountryList = z.strictObject({ countries: z.array(Country) }).openapi('CountryList');

export const ProfileIdParams = z.object({ id: uuid.openapi({ param: { name: 'id', in: 'path' } }) });
