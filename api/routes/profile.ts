import type { ProfileService } from '../../libraries/profile/service';
import { COUNTRIES } from '../../libraries/profile/countries';
import { AVATAR_MAX_BYTES } from '../../libraries/profile/avatarImage';
import type { RouteBuilder } from '../route';
import { ErrorSchema } from '../schemas/common';
import { z } from '../schemas/zod';
import { CatalogueList, CountryList, OwnProfile, ProfileIdParams, PublicProfile, UpdateProfile, Visibility } from '../schemas/profile';

const AVATAR_TYPES = ['image/png', 'image/jpeg', 'image/webp'];

export function profileRoutes(api: RouteBuilder, profiles: ProfileService): void {
  api.route({
    operationId: 'getProfile', method: 'get', path: '/v1/profile', tags: ['Profile'], auth: { scope: 'profile:read' },
    summary: 'The signed-in profile, with what a public profile still needs',
    responses: { 200: { description: 'The profile', schema: OwnProfile }, 404: { description: 'The profile is gone', schema: ErrorSchema } },
    handler: async ({ auth }) => ({ status: 200, body: await profiles.get(auth) }),
  });

  api.route({
    operationId: 'updateProfile', method: 'patch', path: '/v1/profile', tags: ['Profile'], auth: { scope: 'profile:write' },
    summary: 'Edit the profile: name, job title, department, country, about, skills, industries, Twitter and LinkedIn URLs',
    description:
      'Only the fields given change; `null` clears one. Skills and industries are names from the published catalogues, matched ' +
      'case-insensitively, and replace the list. A public profile that loses a prerequisite becomes private.',
    body: UpdateProfile,
    responses: {
      200: { description: 'The profile after the change', schema: OwnProfile },
      404: { description: 'The profile is gone', schema: ErrorSchema },
      422: { description: 'A skill or industry is not in its catalogue (`profile.unknown_catalogue_entry`); `details` lists every one', schema: ErrorSchema },
    },
    handler: async ({ auth, body: { name, ...rest } }) => ({ status: 200, body: await profiles.update(auth, { ...rest, displayName: name }) }),
  });

  api.route({
    operationId: 'setProfileVisibility', method: 'post', path: '/v1/profile/visibility', tags: ['Profile'], auth: { scope: 'profile:write' },
    summary: 'Make the profile public or private',
    description:
      '`{public: true}` needs an avatar, a job title, department and country, details about you, at least one skill and at least ' +
      'one industry; otherwise `422 profile.not_publishable` lists every missing item (`rules`: stable codes; `details`: the same with ' +
      'messages). `{public: false}` is always allowed.',
    body: Visibility,
    responses: {
      200: { description: 'The profile with its new visibility', schema: OwnProfile },
      404: { description: 'The profile is gone', schema: ErrorSchema },
      422: { description: 'Prerequisites are missing (`profile.not_publishable`): `rules` lists the code of every one', schema: ErrorSchema },
    },
    handler: async ({ auth, body }) => ({ status: 200, body: await profiles.setVisibility(auth, body.public) }),
  });

  api.route({
    operationId: 'getPublicProfile', method: 'get', path: '/v1/profiles/:id', tags: ['Profile'], auth: false,
    summary: 'A public profile, without signing in; only its public fields',
    params: ProfileIdParams,
    responses: {
      200: { description: 'The public profile', schema: PublicProfile },
      404: { description: 'No such profile, or it is private (`profile.not_found`)', schema: ErrorSchema },
    },
    handler: async ({ params }) => ({ status: 200, body: await profiles.getPublic(params.id) }),
  });

  api.route({
    operationId: 'putAvatar', method: 'put', path: '/v1/profile/avatar', tags: ['Profile'], auth: { scope: 'profile:write' },
    summary: 'Upload the avatar: a PNG, JPEG or WebP of at most 2 MB, as the raw body',
    description:
      'The type is read from the bytes, never from Content-Type. The file must be whole, with nothing after its end (no polyglots), ' +
      'at most 16.7 megapixels and not animated. It is re-encoded as a 256×256 WebP (cropped to cover) with every metadata ' +
      '(EXIF, GPS, XMP) dropped. Nothing is stored unless all of that succeeds.',
    rawBody: { mediaTypes: AVATAR_TYPES, limit: `${AVATAR_MAX_BYTES}b`, description: 'The image file' },
    responses: {
      200: { description: 'Stored; `avatarUrl` names it, with its ETag', schema: OwnProfile },
      404: { description: 'The profile is gone', schema: ErrorSchema },
      413: { description: 'The image is over 2 MB (`request.too_large`)', schema: ErrorSchema },
      415: {
        description: 'Content-Type is not image/png, image/jpeg or image/webp (`request.unsupported_media_type`), or the bytes are none of ' +
          'those (`avatar.unsupported_type`: GIF, SVG, HTML…)',
        schema: ErrorSchema,
      },
      422: {
        description: 'Empty (`avatar.empty`), truncated or carrying data after its end (`avatar.corrupt`), or too many pixels ' +
          '(`avatar.too_many_pixels`, a decompression bomb)',
        schema: ErrorSchema,
      },
    },
    // A request with no body at all leaves req.body unset: the same as an empty one (422 avatar.empty).
    handler: async ({ auth, req }) => ({ status: 200, body: await profiles.putAvatar(auth, Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)) }),
  });

  api.route({
    operationId: 'deleteAvatar', method: 'delete', path: '/v1/profile/avatar', tags: ['Profile'], auth: { scope: 'profile:write' },
    summary: 'Remove the avatar; a public profile becomes private, since it needs one',
    responses: { 200: { description: 'The profile without avatar', schema: OwnProfile }, 404: { description: 'The profile is gone', schema: ErrorSchema } },
    handler: async ({ auth }) => ({ status: 200, body: await profiles.deleteAvatar(auth) }),
  });

  api.route({
    operationId: 'getAvatar', method: 'get', path: '/v1/profiles/:id/avatar', tags: ['Profile'], auth: false,
    summary: 'An avatar image (WebP): a public profile\'s to anyone, a private one\'s to its owner only',
    description:
      'Send the owner\'s credential to read a private profile\'s avatar. Answers with `ETag` and `Cache-Control` (`public, max-age=300` ' +
      'for a public profile, `private, no-cache` for the owner); `If-None-Match` with the current ETag answers `304`. `avatarUrl` ' +
      'carries `?v=<etag>`, so a new image gets a new URL.',
    params: ProfileIdParams,
    responses: {
      200: {
        description: 'The image, `image/webp`',
        contentType: 'image/webp',
        schema: z.string().openapi({ format: 'binary' }),
        headers: {
          ETag: { description: 'The image\'s tag', schema: { type: 'string' } },
          'Cache-Control': { description: 'How long caches may keep it', schema: { type: 'string' } },
        },
      },
      304: { description: 'Not modified: the If-None-Match tag is current' },
      401: { description: 'A credential was sent and is invalid', schema: ErrorSchema },
      404: { description: 'No such profile or avatar, or the profile is private and this is not its owner (`avatar.not_found`)', schema: ErrorSchema },
    },
    handler: async ({ req, params }) => {
      const viewer = await api.optionalPrincipal(req);
      const header = req.headers['if-none-match'];
      const r = await profiles.getAvatar(params.id, viewer, typeof header === 'string' ? header : undefined);
      const headers = {
        ETag: `"${r.etag}"`,
        'Cache-Control': r.isPublic ? 'public, max-age=300' : 'private, no-cache',
        Vary: 'Authorization',
      };
      if (r.notModified) return { status: 304, headers };
      return { status: 200, headers, contentType: r.contentType, body: r.content };
    },
  });

  api.route({
    operationId: 'listSkills', method: 'get', path: '/v1/catalogues/skills', tags: ['Profile'], auth: false,
    summary: 'The skills a profile may list',
    responses: { 200: { description: 'The catalogue, by name', schema: CatalogueList } },
    handler: async () => ({ status: 200, body: { entries: await profiles.catalogue('skills') } }),
  });
  api.route({
    operationId: 'listIndustries', method: 'get', path: '/v1/catalogues/industries', tags: ['Profile'], auth: false,
    summary: 'The industries a profile may list',
    responses: { 200: { description: 'The catalogue, by name', schema: CatalogueList } },
    handler: async () => ({ status: 200, body: { entries: await profiles.catalogue('industries') } }),
  });
  api.route({
    operationId: 'listCountries', method: 'get', path: '/v1/catalogues/countries', tags: ['Profile'], auth: false, dependencies: false,
    summary: 'The countries of residence: ISO 3166-1 alpha-2 codes with their English names',
    responses: { 200: { description: 'Every code, by name', schema: CountryList } },
    handler: async () => ({ status: 200, body: { countries: COUNTRIES } }),
  });
}
